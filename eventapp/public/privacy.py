"""The privacy notice delegates agree to when they register (PIPL and GDPR, with the transfer
between China and Germany and the passport data of visa letters), at /privacy.

The text is kept whole in each language here rather than as messages for the catalogues: a
notice is read, and checked, as one text per language. Its version is the event's
(Event.privacy_notice_version), which organisers change on the questions page when they
change this text; every registration records the version agreed to.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template

from ..i18n import current_language, localized
from ..models import Event
from ..services.events import sender_address
from ..web import event_or_404
from . import bp

Paragraph = str | tuple[str, ...]  # a tuple: a list of points


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Notice:
    title: str
    version_line: str
    introduction: str
    sections: tuple[Section, ...]


# Placeholders: %(forum)s, %(contact)s, %(version)s, %(days)d (passport data's retention).
TEXT: dict[str, Notice] = {
    "en": Notice(
        title="Privacy notice",
        version_line="Version %(version)s of the privacy notice of the %(forum)s",
        introduction=(
            "This notice tells you which personal data the organisers of the forum process when you register, "
            "what for, who receives it, how it is transferred between China and Germany, how long it is kept and "
            "what rights you have. It meets the information duties of China's Personal Information Protection Law "
            "(PIPL) and, where it applies, of the EU General Data Protection Regulation (GDPR)."
        ),
        sections=(
            Section(
                "Who processes your data",
                (
                    "The organisers of the %(forum)s. They decide why and how your data is processed: they are the "
                    "personal information handler under the PIPL and the controller under the GDPR.",
                    "Contact for all questions about your data and for your requests: %(contact)s.",
                ),
            ),
            Section(
                "Which data",
                (
                    (
                        "what you enter when you register: your name (in Latin letters and in native script), "
                        "organisation, position, type of organisation, country or region, email address, phone "
                        "number and preferred language;",
                        "the sessions you register for, and your place in each (confirmed, on the waiting list, "
                        "applied for, cancelled);",
                        "your answers to the questions the organisers ask: salutation and academic title, dietary "
                        "needs, the language you listen to through the interpretation, your arrival date, and "
                        "whether you need a visa invitation letter;",
                        "when your badge is scanned at a door;",
                        "a record of every change to your registration: what changed, when, and who changed it;",
                        "only if you ask for a visa invitation letter: your name as in the passport, nationality, "
                        "passport number, the passport's expiry date and your date of birth.",
                    ),
                    "Dietary needs can say something about your health or religion. Give only what the caterers "
                    "need to know; the answer is used for the catering alone.",
                ),
            ),
            Section(
                "What for, and on which legal basis",
                (
                    (
                        "to register you, keep your seats and the waiting list, and decide on applications;",
                        "to write to you about your registration, with your private link, badge and agenda;",
                        "to let you in at the doors of the venue and of the sessions;",
                        "to plan catering, interpretation and arrivals;",
                        "to write a visa invitation letter, if you ask for one;",
                        "for statistics of the attendance that name no one.",
                    ),
                    "Your data is not used for advertising and is not sold. The legal basis is the registration "
                    "you ask for (PIPL Article 13(1)(2); GDPR Article 6(1)(b)) and your consent (PIPL Article "
                    "13(1)(1); GDPR Article 6(1)(a) and, for dietary needs that reveal health or religion, Article "
                    "9(2)(a)). Without the data the form requires you cannot be registered; everything marked as "
                    "optional you may leave out.",
                ),
            ),
            Section(
                "Who receives your data",
                (
                    (
                        "the organisers' staff, each for their task only: organisers see the registrations, door "
                        "staff see at the door whether a badge admits you, and only the visa team and the "
                        "administrators see passport data;",
                        "the service providers who run the registration system, send its mails and print the "
                        "badges for the organisers, bound to the organisers' instructions;",
                        "the security of the venue, which receives the list of people admitted (name and "
                        "organisation), as forums of this kind require;",
                        "authorities, only where the law requires it.",
                    ),
                ),
            ),
            Section(
                "Transfer between China and Germany",
                (
                    "The forum takes place in Beijing and is organised together with partner organisations in "
                    "Germany, which are named in the forum's programme. If you register from Germany or another "
                    "country outside China, your data is transferred to China, where the forum is run; the data "
                    "of delegates from China may be transferred to the partners in Germany for the preparation "
                    "and follow-up of the forum. The recipients use the data only for the purposes, in the ways "
                    "and for the categories of data described here. You exercise your rights towards each of them "
                    "through the contact above.",
                    "Under PIPL Articles 38 and 39 your data is provided abroad only with your separate consent: "
                    "you give it with the consent box of the registration form, which names this transfer. The "
                    "organisers provide data abroad only as Article 38 allows.",
                    "For data coming from the European Union: China has no adequacy decision of the European "
                    "Commission, so the protection of your data there may be lower than in the EU, and Chinese "
                    "authorities may have access to it under Chinese law. The transfer is necessary for the "
                    "registration you ask for to a forum held in China (GDPR Article 49(1)(b)), and you consent to "
                    "it explicitly (Article 49(1)(a)).",
                ),
            ),
            Section(
                "Passport data: sensitive personal information",
                (
                    "Passport data is asked for only if you need a visa invitation letter, because the embassy or "
                    "consulate requires the letter to name your passport. Under the PIPL it is sensitive personal "
                    "information: its misuse could harm you, for example through identity fraud. It is therefore "
                    "processed only with your separate consent (PIPL Article 29), which the form asks for on its "
                    "own, and only for the letter.",
                    "Only the visa team and the administrators see it. It is in no export, and in no mail except "
                    "the letter sent to you. It is erased %(days)d days after the forum's last day. You may "
                    "withdraw your consent at any time; no letter can be issued then.",
                ),
            ),
            Section(
                "How long your data is kept",
                (
                    "Your registration data is kept as long as the forum and its follow-up need it, and then "
                    "deleted, unless the law requires it to be kept longer. Passport data is erased %(days)d days "
                    "after the forum's last day. The record of changes to your registration holds no passport data "
                    "and is kept with the registration.",
                ),
            ),
            Section(
                "Your rights",
                (
                    "You have the right to know about and decide on the processing of your data, to see it and "
                    "get a copy, to have it corrected or completed, to have it deleted, to restrict it or object to "
                    "it, to receive it in a common format, to have the rules of its processing explained, and to "
                    "withdraw a consent at any time, without affecting what was done before (PIPL Articles 15 and "
                    "44 to 48; GDPR Articles 7(3) and 15 to 21).",
                    "With your private link you see, correct and cancel your registration yourself. For anything "
                    "else write to %(contact)s. You may also complain to the authorities that protect personal "
                    "information in China, or to a data protection supervisory authority in the EU, in particular "
                    "in the country where you live or work (GDPR Article 77).",
                ),
            ),
            Section(
                "Changes to this notice",
                (
                    "This is version %(version)s. When the notice changes it gets a new version, shown on this "
                    "page; each registration records the version the delegate agreed to, and when.",
                ),
            ),
        ),
    ),
    "de": Notice(
        title="Datenschutzhinweise",
        version_line="Datenschutzhinweise zum Forum „%(forum)s“, Fassung %(version)s",
        introduction=(
            "Diese Hinweise sagen Ihnen, welche personenbezogenen Daten die Veranstalter des Forums bei Ihrer "
            "Anmeldung verarbeiten, wozu, wer sie erhält, wie sie zwischen China und Deutschland übermittelt "
            "werden, wie lange sie gespeichert werden und welche Rechte Sie haben. Sie erfüllen die "
            "Informationspflichten des chinesischen Gesetzes zum Schutz persönlicher Informationen (PIPL) und, "
            "soweit sie gilt, der Datenschutz-Grundverordnung der EU (DSGVO)."
        ),
        sections=(
            Section(
                "Wer Ihre Daten verarbeitet",
                (
                    "Die Veranstalter des Forums „%(forum)s“. Sie entscheiden über Zweck und Mittel der Verarbeitung: Sie "
                    "sind Verarbeiter persönlicher Informationen im Sinne des PIPL und Verantwortliche im Sinne der "
                    "DSGVO.",
                    "Kontakt für alle Fragen zu Ihren Daten und für Ihre Anliegen: %(contact)s.",
                ),
            ),
            Section(
                "Welche Daten",
                (
                    (
                        "was Sie bei der Anmeldung angeben: Ihr Name (in lateinischer Schrift und in Ihrer "
                        "Schrift), Organisation, Funktion, Art der Organisation, Land oder Region, E-Mail-Adresse, "
                        "Telefonnummer und bevorzugte Sprache;",
                        "die Veranstaltungen, zu denen Sie sich anmelden, und Ihr Stand in jeder (bestätigt, auf der "
                        "Warteliste, beworben, storniert);",
                        "Ihre Antworten auf die Fragen der Veranstalter: Anrede und akademischer Titel, "
                        "Ernährungswünsche, die Sprache, in der Sie die Verdolmetschung hören, Ihr Anreisetag und "
                        "ob Sie ein Einladungsschreiben für das Visum brauchen;",
                        "wann Ihr Ausweis an einem Eingang gescannt wird;",
                        "ein Protokoll jeder Änderung Ihrer Anmeldung: was sich wann geändert hat und wer es "
                        "geändert hat;",
                        "nur wenn Sie ein Einladungsschreiben für das Visum erbitten: Ihr Name wie im Reisepass, "
                        "Staatsangehörigkeit, Passnummer, Ablaufdatum des Passes und Geburtsdatum.",
                    ),
                    "Ernährungswünsche können etwas über Ihre Gesundheit oder Religion aussagen. Geben Sie nur an, "
                    "was die Küche wissen muss; die Angabe dient allein der Verpflegung.",
                ),
            ),
            Section(
                "Wozu, und auf welcher Rechtsgrundlage",
                (
                    (
                        "um Sie anzumelden, Ihre Plätze und die Warteliste zu führen und über Bewerbungen zu "
                        "entscheiden;",
                        "um Ihnen zu Ihrer Anmeldung zu schreiben, mit Ihrem persönlichen Link, Ausweis und Programm;",
                        "um Sie an den Eingängen des Veranstaltungsorts und der Veranstaltungen einzulassen;",
                        "um Verpflegung, Verdolmetschung und Anreisen zu planen;",
                        "um ein Einladungsschreiben für das Visum auszustellen, wenn Sie es erbitten;",
                        "für Statistiken der Teilnahme, die niemanden nennen.",
                    ),
                    "Ihre Daten werden nicht für Werbung genutzt und nicht verkauft. Rechtsgrundlage ist die "
                    "Anmeldung, die Sie wünschen (PIPL Artikel 13 Absatz 1 Nr. 2; Art. 6 Abs. 1 lit. b DSGVO), und "
                    "Ihre Einwilligung (PIPL Artikel 13 Absatz 1 Nr. 1; Art. 6 Abs. 1 lit. a DSGVO und, für "
                    "Ernährungswünsche, die Gesundheit oder Religion erkennen lassen, Art. 9 Abs. 2 lit. a DSGVO). "
                    "Ohne die Angaben, die das Formular verlangt, ist keine Anmeldung möglich; was als freiwillig "
                    "gekennzeichnet ist, können Sie weglassen.",
                ),
            ),
            Section(
                "Wer Ihre Daten erhält",
                (
                    (
                        "die Mitarbeitenden der Veranstalter, jeweils nur für ihre Aufgabe: das Organisationsteam "
                        "sieht die Anmeldungen, das Einlasspersonal sieht am Eingang, ob ein Ausweis Sie einlässt, "
                        "und nur das Visa-Team und die Administratoren sehen Passdaten;",
                        "die Dienstleister, die für die Veranstalter das Anmeldesystem betreiben, seine E-Mails "
                        "versenden und die Ausweise drucken, gebunden an die Weisungen der Veranstalter;",
                        "der Sicherheitsdienst des Veranstaltungsorts, der die Liste der zugelassenen Personen "
                        "(Name und Organisation) erhält, wie es Foren dieser Art verlangen;",
                        "Behörden, nur soweit das Gesetz es verlangt.",
                    ),
                ),
            ),
            Section(
                "Übermittlung zwischen China und Deutschland",
                (
                    "Das Forum findet in Beijing statt und wird gemeinsam mit Partnerorganisationen in Deutschland "
                    "ausgerichtet, die im Programm des Forums genannt sind. Melden Sie sich aus Deutschland oder "
                    "einem anderen Land außerhalb Chinas an, werden Ihre Daten nach China übermittelt, wo das Forum "
                    "durchgeführt wird; die Daten von Teilnehmenden aus China können an die Partner in Deutschland "
                    "übermittelt werden, zur Vor- und Nachbereitung des Forums. Die Empfänger nutzen die Daten nur "
                    "für die hier beschriebenen Zwecke, auf die hier beschriebene Weise und nur die hier genannten "
                    "Arten von Daten. Ihre Rechte ihnen gegenüber machen Sie über den oben genannten Kontakt "
                    "geltend.",
                    "Nach Artikel 38 und 39 PIPL werden Ihre Daten nur mit Ihrer gesonderten Einwilligung ins "
                    "Ausland übermittelt: Sie erteilen sie mit dem Einwilligungsfeld des Anmeldeformulars, das diese "
                    "Übermittlung nennt. Die Veranstalter übermitteln Daten nur so ins Ausland, wie Artikel 38 es "
                    "zulässt.",
                    "Für Daten aus der Europäischen Union: Für China gibt es keinen Angemessenheitsbeschluss der "
                    "Europäischen Kommission; der Schutz Ihrer Daten kann dort geringer sein als in der EU, und "
                    "chinesische Behörden können nach chinesischem Recht Zugriff auf sie haben. Die Übermittlung "
                    "ist für die von Ihnen gewünschte Anmeldung zu einem Forum in China erforderlich (Art. 49 Abs. 1 "
                    "lit. b DSGVO), und Sie willigen ausdrücklich in sie ein (Art. 49 Abs. 1 lit. a DSGVO).",
                ),
            ),
            Section(
                "Passdaten: sensible persönliche Informationen",
                (
                    "Passdaten werden nur erfragt, wenn Sie ein Einladungsschreiben für das Visum brauchen, denn "
                    "Botschaft oder Konsulat verlangen, dass das Schreiben Ihren Pass nennt. Nach dem PIPL sind sie "
                    "sensible persönliche Informationen: Ihr Missbrauch könnte Ihnen schaden, etwa durch "
                    "Identitätsbetrug. Sie werden deshalb nur mit Ihrer gesonderten Einwilligung verarbeitet "
                    "(Artikel 29 PIPL), die das Formular eigens erfragt, und nur für das Schreiben.",
                    "Nur das Visa-Team und die Administratoren sehen sie. Sie stehen in keinem Export und in keiner "
                    "E-Mail außer dem Schreiben an Sie. Sie werden %(days)d Tage nach dem letzten Tag des Forums "
                    "gelöscht. Sie können Ihre Einwilligung jederzeit widerrufen; dann kann kein Schreiben "
                    "ausgestellt werden.",
                ),
            ),
            Section(
                "Wie lange Ihre Daten gespeichert werden",
                (
                    "Ihre Anmeldedaten werden gespeichert, solange das Forum und seine Nachbereitung sie brauchen, "
                    "und dann gelöscht, sofern das Gesetz keine längere Aufbewahrung verlangt. Passdaten werden "
                    "%(days)d Tage nach dem letzten Tag des Forums gelöscht. Das Änderungsprotokoll Ihrer Anmeldung "
                    "enthält keine Passdaten und wird mit der Anmeldung aufbewahrt.",
                ),
            ),
            Section(
                "Ihre Rechte",
                (
                    "Sie haben das Recht, über die Verarbeitung Ihrer Daten informiert zu werden und über sie zu "
                    "entscheiden, Auskunft und eine Kopie zu erhalten, sie berichtigen oder vervollständigen zu "
                    "lassen, sie löschen zu lassen, ihre Verarbeitung einschränken zu lassen oder ihr zu "
                    "widersprechen, sie in einem gängigen Format zu erhalten, sich die Regeln ihrer Verarbeitung "
                    "erklären zu lassen und eine Einwilligung jederzeit zu widerrufen, ohne dass dies das zuvor "
                    "Geschehene berührt (Artikel 15 und 44 bis 48 PIPL; Art. 7 Abs. 3 und Art. 15 bis 21 DSGVO).",
                    "Mit Ihrem persönlichen Link sehen, berichtigen und stornieren Sie Ihre Anmeldung selbst. Für "
                    "alles andere schreiben Sie an %(contact)s. Sie können sich auch bei den Behörden beschweren, "
                    "die in China persönliche Informationen schützen, oder bei einer Datenschutz-Aufsichtsbehörde "
                    "in der EU, insbesondere in dem Land, in dem Sie wohnen oder arbeiten (Art. 77 DSGVO).",
                ),
            ),
            Section(
                "Änderungen dieser Hinweise",
                (
                    "Dies ist die Fassung %(version)s. Ändern sich die Hinweise, erhalten sie eine neue Fassung, "
                    "die auf dieser Seite steht; jede Anmeldung hält fest, welcher Fassung die Person zugestimmt "
                    "hat, und wann.",
                ),
            ),
        ),
    ),
    "zh": Notice(
        title="个人信息保护告知书",
        version_line="%(forum)s个人信息保护告知书（版本 %(version)s）",
        introduction=(
            "本告知书说明您报名时论坛主办方处理哪些个人信息、处理目的、接收方、在中国与德国之间的传输方式、保存期限以及您享有的权利。"
            "本告知书依据《中华人民共和国个人信息保护法》（以下简称《个人信息保护法》）的告知要求，并在适用时符合欧盟《通用数据保护条例》（GDPR）的要求。"
        ),
        sections=(
            Section(
                "个人信息处理者",
                (
                    "%(forum)s主办方。主办方决定个人信息的处理目的和处理方式，是《个人信息保护法》规定的个人信息处理者，"
                    "也是GDPR规定的数据控制者。",
                    "有关您个人信息的一切问题和请求，请联系：%(contact)s。",
                ),
            ),
            Section(
                "处理哪些个人信息",
                (
                    (
                        "您报名时填写的信息：姓名（拉丁字母及本国文字）、单位、职务、单位类型、国家或地区、电子邮箱、电话和首选语言；",
                        "您报名的活动，以及您在各活动中的状态（已确认、候补、已申请、已取消）；",
                        "您对主办方所提问题的回答：称谓和学术头衔、饮食需求、同声传译收听语言、抵达日期，以及是否需要签证邀请函；",
                        "您的证件在入口处被扫描的时间；",
                        "您报名信息的每一次变更记录：变更内容、时间和操作人；",
                        "仅在您申请签证邀请函时：护照上的姓名、国籍、护照号码、护照有效期和出生日期。",
                    ),
                    "饮食需求可能反映您的健康状况或宗教信仰。请只填写餐饮安排所需的信息；该信息仅用于餐饮安排。",
                ),
            ),
            Section(
                "处理目的和法律依据",
                (
                    (
                        "为您办理报名，管理座位和候补名单，并审核申请；",
                        "就您的报名与您联系，发送您的专属链接、证件和日程；",
                        "在会场及各活动入口为您办理入场；",
                        "安排餐饮、同声传译和接站；",
                        "应您的申请出具签证邀请函；",
                        "进行不涉及具体个人的参会统计。",
                    ),
                    "您的个人信息不会用于广告，也不会出售。处理依据是您申请的报名，即为订立、履行您作为一方当事人的合同所必需"
                    "（《个人信息保护法》第十三条第一款第二项；GDPR第6条第1款b项），以及您的同意（《个人信息保护法》第十三条第一款第一项；"
                    "GDPR第6条第1款a项；反映健康或宗教信仰的饮食需求适用GDPR第9条第2款a项）。未提供表单要求的信息将无法完成报名；"
                    "标注为选填的内容可以不填。",
                ),
            ),
            Section(
                "个人信息的接收方",
                (
                    (
                        "主办方工作人员，仅限其职责所需：组委会工作人员查看报名信息，入口工作人员在入口查看您的证件是否可以入场，"
                        "只有签证工作组和系统管理员可以查看护照信息；",
                        "为主办方运行报名系统、发送邮件和印制证件的服务商，须按主办方的指示处理；",
                        "会场安保部门，按此类论坛的要求接收准入人员名单（姓名和单位）；",
                        "国家机关，仅限法律要求的情形。",
                    ),
                ),
            ),
            Section(
                "中国与德国之间的个人信息传输",
                (
                    "论坛在北京举办，并与论坛日程中列明的德国合作机构共同组织。如您从德国或中国境外其他国家报名，"
                    "您的个人信息将传输至论坛举办地中国；来自中国的参会人员的个人信息可能为论坛的筹备和后续工作提供给德国合作机构。"
                    "境外接收方仅按本告知书所述的目的、方式和个人信息种类处理您的个人信息。"
                    "您可以通过上述联系方式向各接收方行使您的权利。",
                    "根据《个人信息保护法》第三十八条和第三十九条，向境外提供您的个人信息须取得您的单独同意："
                    "报名表中的同意选项明确列明了该项传输，您勾选即表示单独同意。主办方仅在第三十八条允许的条件下向境外提供个人信息。",
                    "对于来自欧盟的个人信息：欧盟委员会未就中国作出充分性认定，您的个人信息在中国受到的保护可能低于欧盟，"
                    "中国有关机关可能依据中国法律访问这些信息。该传输是您申请报名在中国举办的论坛所必需的（GDPR第49条第1款b项），"
                    "并经您明确同意（GDPR第49条第1款a项）。",
                ),
            ),
            Section(
                "护照信息：敏感个人信息",
                (
                    "仅在您需要签证邀请函时才收集护照信息，因为使馆或领事馆要求邀请函载明您的护照信息。"
                    "根据《个人信息保护法》，护照信息属于敏感个人信息，一旦泄露或被非法使用，可能对您造成损害，例如身份被冒用。"
                    "因此，仅在取得您的单独同意后处理（《个人信息保护法》第二十九条），表单会单独征求该同意，且仅用于出具邀请函。",
                    "只有签证工作组和系统管理员可以查看护照信息。护照信息不会出现在任何导出文件中，除发给您的邀请函外也不会出现在任何邮件中。"
                    "护照信息将在论坛最后一天后%(days)d天删除。您可以随时撤回同意；撤回后将无法出具邀请函。",
                ),
            ),
            Section(
                "保存期限",
                (
                    "您的报名信息在论坛及其后续工作所需的期限内保存，之后予以删除，法律另有规定的除外。"
                    "护照信息在论坛最后一天后%(days)d天删除。报名变更记录不含护照信息，与报名信息一同保存。",
                ),
            ),
            Section(
                "您的权利",
                (
                    "您有权知悉、决定个人信息的处理，有权查阅、复制、更正、补充、删除您的个人信息，有权限制或拒绝处理，"
                    "有权以通用格式获取您的个人信息，有权要求对处理规则进行解释说明，并有权随时撤回同意，撤回不影响撤回前已进行的处理"
                    "（《个人信息保护法》第十五条、第四十四条至第四十八条；GDPR第7条第3款、第15条至第21条）。",
                    "通过您的专属链接，您可以自行查看、更正和取消报名。其他请求请发送至 %(contact)s。"
                    "您也可以向中国履行个人信息保护职责的部门投诉、举报，或向欧盟的数据保护监管机构投诉，特别是您居住或工作所在国的监管机构"
                    "（GDPR第77条）。",
                ),
            ),
            Section(
                "告知书的变更",
                (
                    "本告知书为版本 %(version)s。告知书变更时将使用新的版本号并在本页公布；每一份报名都记录报名人同意的版本及同意时间。",
                ),
            ),
        ),
    ),
}


def _filled(text: str, values: dict[str, object]) -> str:
    return text % values


def notice_in(language: str, event: Event) -> Notice:
    """The notice in `language` (English for another), with the event's facts filled in."""
    notice = TEXT.get(language, TEXT["en"])
    address, _name = sender_address()
    values: dict[str, object] = {
        "forum": localized(event.name, language),
        "contact": address,
        "version": event.privacy_notice_version,
        "days": event.passport_retention_days,
    }

    def paragraph(item: Paragraph) -> Paragraph:
        return tuple(_filled(point, values) for point in item) if isinstance(item, tuple) else _filled(item, values)

    return Notice(
        title=notice.title,
        version_line=_filled(notice.version_line, values),
        introduction=_filled(notice.introduction, values),
        sections=tuple(
            Section(section.heading, tuple(paragraph(p) for p in section.paragraphs)) for section in notice.sections
        ),
    )


@bp.get("/privacy")
def privacy_notice():
    event = event_or_404()
    return render_template("public/privacy.html", event=event, notice=notice_in(current_language(), event))
