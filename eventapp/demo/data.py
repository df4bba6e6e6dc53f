"""Demo data for the Beijing China-Germany Forum for Industrial Cooperation and Development.

Pure data, no logic. Event facts follow the public report on the 2023 forum
(theme, four activities, symposium presentations, hidden-champions exhibition,
release of the China-Germany Industrial Cooperation Development Report).
All companies, organisations for fake delegates and named company speakers are
fictional. Public bodies appear under their official names; no real officials
are named.
"""

from __future__ import annotations

from typing import TypedDict

from ..models import Trilingual


# The shapes of the data below, as demo/forum.py reads them.
class EventSpec(TypedDict):
    slug: str
    name: Trilingual
    venue: Trilingual
    theme: Trilingual
    description: Trilingual
    timezone: str
    questions: dict[str, str]  # Event.questions: question -> "off", "optional" or "required"


class AgendaItemSpec(TypedDict):
    time: str  # local "HH:MM"
    title: Trilingual
    presenter_name: str
    presenter_organisation: Trilingual | None


class SessionSpec(TypedDict):
    slug: str
    kind: str  # a SessionKind value
    title: Trilingual
    description: Trilingual
    room: Trilingual
    starts: str  # local "HH:MM"
    ends: str
    capacity: int | None  # None: no limit
    access: str  # a SessionAccess value: open, invitation or application
    agenda: list[AgendaItemSpec]


class ExhibitorSpec(TypedDict):
    company: str
    theme: str  # an ExhibitorTheme value
    booth: str
    country: str


class OrganisationSpec(TypedDict):
    name: str
    organisation_type: str  # an OrganisationType value


EVENT_SLUG = "beijing-china-germany-forum"

# ---------------------------------------------------------------------------
# Public bodies that recur in the programme (trilingual official names)
# ---------------------------------------------------------------------------

_SHUNYI_GOV: Trilingual = {
    "zh": "顺义区人民政府",
    "de": "Volksregierung des Bezirks Shunyi",
    "en": "Shunyi District People's Government",
}
_BEIJING_GOV: Trilingual = {
    "zh": "北京市人民政府",
    "de": "Volksregierung der Stadt Beijing",
    "en": "Beijing Municipal People's Government",
}
_BJ_ECON_IT: Trilingual = {
    "zh": "北京市经济和信息化局",
    "de": "Städtisches Büro für Wirtschaft und Informationstechnologie Beijing",
    "en": "Beijing Municipal Bureau of Economy and Information Technology",
}
_BJ_COMMERCE: Trilingual = {
    "zh": "北京市商务局",
    "de": "Städtisches Handelsbüro Beijing",
    "en": "Beijing Municipal Commerce Bureau",
}
_GERMAN_CHAMBER: Trilingual = {
    "zh": "中国德国商会",
    "de": "Deutsche Handelskammer in China",
    "en": "German Chamber of Commerce in China",
}
_INDUSTRIAL_PARK: Trilingual = {
    "zh": "北京中德产业园",
    "de": "Chinesisch-Deutscher Industriepark Beijing",
    "en": "Beijing China-Germany Industrial Park",
}

# ---------------------------------------------------------------------------
# Event
# ---------------------------------------------------------------------------

EVENT: EventSpec = {
    "slug": EVENT_SLUG,
    "name": {
        "zh": "北京中德产业合作发展论坛",
        "de": "Beijinger Forum für chinesisch-deutsche Industriekooperation und Entwicklung",
        "en": "Beijing China-Germany Forum for Industrial Cooperation and Development",
    },
    "venue": {
        "zh": "北京中德国际会展中心（顺义区）",
        "de": "Internationales Konferenz- und Ausstellungszentrum China–Deutschland Beijing (Bezirk Shunyi)",
        "en": "Beijing China-Germany International Conference and Exhibition Center (Shunyi District)",
    },
    "theme": {
        "zh": "协同创新 融合发展",
        "de": "Gemeinsame Innovation, integrierte Entwicklung",
        "en": "Joint Innovation, Integrated Development",
    },
    "description": {
        "zh": (
            "论坛以“协同创新 融合发展”为主题，着力打造中德产业合作高端品牌活动，"
            "开启中德政企对话新篇章，探寻中德产业合作新机遇，展示产业集群最新成果。"
            "论坛设开幕式、德企座谈会、专题论坛和专业展览四项特色活动，"
            "集中展现北京中德产业园探索国际经济技术合作新模式、推动中德创新要素跨境融合发展的成效。"
        ),
        "de": (
            "Unter dem Leitthema „Gemeinsame Innovation, integrierte Entwicklung“ versteht sich das Forum "
            "als hochrangige Leitveranstaltung der chinesisch-deutschen Industriekooperation: Es eröffnet ein "
            "neues Kapitel im Dialog zwischen Regierung und Unternehmen, erschließt neue Chancen für die "
            "industrielle Zusammenarbeit und präsentiert die jüngsten Erfolge der Industriecluster. "
            "Mit Eröffnungsfeier, Symposium mit deutschen Unternehmen, Themenforum und Fachausstellung zeigt "
            "es, wie der Chinesisch-Deutsche Industriepark Beijing neue Modelle der internationalen "
            "wirtschaftlichen und technologischen Zusammenarbeit erprobt und die grenzüberschreitende "
            "Vernetzung chinesischer und deutscher Innovationsfaktoren vorantreibt."
        ),
        "en": (
            'Themed "Joint Innovation, Integrated Development", the forum aims to create a high-end '
            "flagship event for China-Germany industrial cooperation, start a new chapter in China-Germany "
            "government-enterprise dialogue, explore new opportunities for industrial cooperation and "
            "showcase the latest achievements of the industrial clusters. Its four featured activities — "
            "an opening ceremony, a German enterprise symposium, a thematic forum and a professional "
            "exhibition — highlight how the Beijing China-Germany Industrial Park is exploring new models "
            "of international economic and technological cooperation and promoting the cross-border "
            "integration of Chinese and German innovation factors."
        ),
    },
    "timezone": "Asia/Shanghai",
    # Everything asked, nothing required: a registration with no answer at all still goes through.
    "questions": {
        "salutation": "optional",
        "dietary": "optional",
        "interpretation": "optional",
        "arrival_date": "optional",
        "visa_letter": "optional",
    },
}

# ---------------------------------------------------------------------------
# Sessions — times are local (Asia/Shanghai) "HH:MM" on the forum's single day
# ---------------------------------------------------------------------------

SESSIONS: list[SessionSpec] = [
    {
        "slug": "opening-ceremony",
        "kind": "ceremony",
        "title": {
            "zh": "开幕式",
            "de": "Eröffnungsfeier",
            "en": "Opening Ceremony",
        },
        "description": {
            "zh": "开幕式由主办方及中外嘉宾致辞，正式拉开论坛序幕，并集中展示北京中德产业园产业集群建设的最新成果。",
            "de": (
                "Mit Grußworten der Veranstalter sowie chinesischer und deutscher Ehrengäste wird das Forum "
                "feierlich eröffnet; anschließend werden die jüngsten Erfolge der Industriecluster im "
                "Chinesisch-Deutschen Industriepark Beijing vorgestellt."
            ),
            "en": (
                "Welcome addresses by the organisers and Chinese and German guests formally open the forum, "
                "followed by a showcase of the latest achievements of the industrial clusters in the "
                "Beijing China-Germany Industrial Park."
            ),
        },
        "room": {
            "zh": "主会场",
            "de": "Hauptsaal",
            "en": "Main Hall",
        },
        "starts": "09:00",
        "ends": "10:00",
        "capacity": None,
        "access": "invitation",
        "agenda": [
            {
                "time": "09:00",
                "title": {
                    "zh": "欢迎致辞",
                    "de": "Begrüßungsrede",
                    "en": "Welcome address",
                },
                "presenter_name": "",
                "presenter_organisation": _SHUNYI_GOV,
            },
            {
                "time": "09:15",
                "title": {
                    "zh": "德方商会代表致辞",
                    "de": "Grußwort der deutschen Wirtschaft",
                    "en": "Address on behalf of the German business community",
                },
                "presenter_name": "",
                "presenter_organisation": _GERMAN_CHAMBER,
            },
            {
                "time": "09:30",
                "title": {
                    "zh": "北京市领导致辞",
                    "de": "Ansprache der Stadtregierung Beijing",
                    "en": "Address by the Beijing municipal leadership",
                },
                "presenter_name": "",
                "presenter_organisation": _BEIJING_GOV,
            },
            {
                "time": "09:45",
                "title": {
                    "zh": "北京中德产业园产业集群最新成果展示",
                    "de": "Präsentation der jüngsten Erfolge der Industriecluster im Chinesisch-Deutschen Industriepark Beijing",
                    "en": "Showcase of the latest achievements of the industrial clusters in the Beijing China-Germany Industrial Park",
                },
                "presenter_name": "",
                "presenter_organisation": _INDUSTRIAL_PARK,
            },
        ],
    },
    {
        "slug": "german-enterprise-symposium",
        "kind": "symposium",
        "title": {
            "zh": "德企座谈会",
            "de": "Symposium mit deutschen Unternehmen",
            "en": "German Enterprise Symposium",
        },
        "description": {
            "zh": (
                "北京市相关委办局及顺义区介绍北京高端产业发展、“两区”建设和北京中德产业园配套支持政策，"
                "商协会及德国行业知名企业代表围绕核心技术、关键零部件和新产品研发开展深入交流。"
                "座谈会名额限27席。"
            ),
            "de": (
                "Vertreter der Stadt Beijing und des Bezirks Shunyi stellen die Entwicklung der "
                "Hochtechnologieindustrien, die „zwei Zonen“ sowie den Chinesisch-Deutschen Industriepark "
                "Beijing mit seinen Förderrichtlinien vor. Anschließend diskutieren Vertreterinnen und "
                "Vertreter von Kammern, Verbänden und namhaften deutschen Unternehmen über Kerntechnologien, "
                "Schlüsselkomponenten und Neuproduktentwicklung; die Teilnehmerzahl ist auf 27 begrenzt."
            ),
            "en": (
                "Beijing municipal authorities and Shunyi District present Beijing's high-end industries, "
                'the "two zones" and the Beijing China-Germany Industrial Park with its supporting policies. '
                "Representatives of chambers of commerce, associations and leading German companies then "
                "discuss core technologies, key components and parts, and new product development; seats are "
                "limited to 27."
            ),
        },
        "room": {
            "zh": "第一会议室",
            "de": "Konferenzraum 1",
            "en": "Conference Room 1",
        },
        "starts": "10:30",
        "ends": "12:30",
        "capacity": 27,
        "access": "application",
        "agenda": [
            {
                "time": "10:30",
                "title": {
                    "zh": "北京市高端产业发展情况介绍",
                    "de": "Vorstellung: Entwicklung der Hochtechnologieindustrien in Beijing",
                    "en": "Presentation: development of high-end industries in Beijing",
                },
                "presenter_name": "",
                "presenter_organisation": _BJ_ECON_IT,
            },
            {
                "time": "10:50",
                "title": {
                    "zh": "北京“两区”建设情况介绍（国家服务业扩大开放综合示范区和中国（北京）自由贸易试验区）",
                    "de": (
                        "Vorstellung der „zwei Zonen“: Nationale umfassende Demonstrationszone für die "
                        "erweiterte Öffnung des Dienstleistungssektors und Pilot-Freihandelszone China (Beijing)"
                    ),
                    "en": (
                        'Presentation on the "two zones": the Integrated National Demonstration Zone for '
                        "Opening up the Services Sector and the China (Beijing) Pilot Free Trade Zone"
                    ),
                },
                "presenter_name": "",
                "presenter_organisation": _BJ_COMMERCE,
            },
            {
                "time": "11:10",
                "title": {
                    "zh": "北京中德产业园建设情况及配套支持政策介绍",
                    "de": "Vorstellung des Chinesisch-Deutschen Industrieparks Beijing und seiner Förderrichtlinien",
                    "en": "Presentation on the Beijing China-Germany Industrial Park and its supporting policies",
                },
                "presenter_name": "",
                "presenter_organisation": _SHUNYI_GOV,
            },
            {
                "time": "11:30",
                "title": {
                    "zh": "座谈交流：核心技术、关键零部件与新产品研发",
                    "de": "Diskussionsrunde: Kerntechnologien, Schlüsselkomponenten und Neuproduktentwicklung",
                    "en": "Discussion: core technologies, key components and parts, and new product development",
                },
                "presenter_name": "",
                "presenter_organisation": None,
            },
        ],
    },
    {
        "slug": "thematic-forum",
        "kind": "forum",
        "title": {
            "zh": "专题论坛",
            "de": "Themenforum",
            "en": "Thematic Forum",
        },
        "description": {
            "zh": (
                "专题论坛聚焦中德产业合作新机遇，发布《中德产业合作发展报告》，"
                "并围绕新能源智能汽车、智能装备和数字经济开展主旨演讲与圆桌对话。"
            ),
            "de": (
                "Das Themenforum widmet sich neuen Chancen der chinesisch-deutschen Industriekooperation. "
                "Im Mittelpunkt stehen die Veröffentlichung des „Berichts zur Entwicklung der "
                "chinesisch-deutschen Industriekooperation“ sowie Impulsvorträge und Podiumsgespräche zu "
                "intelligenten New-Energy-Fahrzeugen, intelligenter Ausrüstung und digitaler Wirtschaft."
            ),
            "en": (
                "The thematic forum focuses on new opportunities for China-Germany industrial cooperation. "
                "It features the release of the China-Germany Industrial Cooperation Development Report, "
                "followed by keynotes and panel discussions on new energy intelligent vehicles, smart "
                "equipment and the digital economy."
            ),
        },
        "room": {
            "zh": "论坛厅",
            "de": "Forumssaal",
            "en": "Forum Hall",
        },
        "starts": "14:00",
        "ends": "17:00",
        "capacity": None,
        "access": "invitation",
        "agenda": [
            {
                "time": "14:00",
                "title": {
                    "zh": "主旨演讲：中德产业合作的新机遇",
                    "de": "Keynote: Neue Chancen für die chinesisch-deutsche Industriekooperation",
                    "en": "Keynote: new opportunities for China-Germany industrial cooperation",
                },
                "presenter_name": "",
                "presenter_organisation": _INDUSTRIAL_PARK,
            },
            {
                "time": "14:30",
                "title": {
                    "zh": "《中德产业合作发展报告》发布",
                    "de": "Veröffentlichung des „Berichts zur Entwicklung der chinesisch-deutschen Industriekooperation“",
                    "en": "Release of the China-Germany Industrial Cooperation Development Report",
                },
                "presenter_name": "",
                "presenter_organisation": None,
            },
            {
                "time": "14:50",
                "title": {
                    "zh": "企业演讲：新能源智能汽车高压系统的本地化研发与供应链协同",
                    "de": "Impulsvortrag: Lokale Entwicklung und Lieferkettenkooperation bei Hochvoltsystemen für intelligente New-Energy-Fahrzeuge",
                    "en": "Company talk: local R&D and supply-chain collaboration for high-voltage systems in new energy intelligent vehicles",
                },
                "presenter_name": "Dr. Katharina Weißenborn",
                "presenter_organisation": {
                    "zh": "霍夫曼高压系统有限公司",
                    "de": "Hofmann Hochvolt-Systeme GmbH",
                    "en": "Hofmann Hochvolt-Systeme GmbH",
                },
            },
            {
                "time": "15:20",
                "title": {
                    "zh": "企业演讲：智能装备关键零部件的国产化与中德联合研发",
                    "de": "Impulsvortrag: Schlüsselkomponenten für intelligente Ausrüstung – lokale Fertigung und gemeinsame Forschung und Entwicklung",
                    "en": "Company talk: key components for smart equipment – local manufacturing and joint Sino-German R&D",
                },
                "presenter_name": "王立新",
                "presenter_organisation": {
                    "zh": "北京精工智能装备有限公司",
                    "de": "Beijing Jinggong Intelligent Equipment Co., Ltd.",
                    "en": "Beijing Jinggong Intelligent Equipment Co., Ltd.",
                },
            },
            {
                "time": "15:50",
                "title": {
                    "zh": "圆桌对话：数字经济赋能中德制造业融合发展",
                    "de": "Podiumsgespräch: Die digitale Wirtschaft als Treiber der integrierten Entwicklung der chinesischen und deutschen Industrie",
                    "en": "Panel discussion: the digital economy as a driver of integrated China-Germany manufacturing development",
                },
                "presenter_name": "",
                "presenter_organisation": None,
            },
            {
                "time": "16:45",
                "title": {
                    "zh": "总结发言及论坛闭幕",
                    "de": "Schlusswort und Abschluss des Forums",
                    "en": "Concluding remarks and close of the forum",
                },
                "presenter_name": "",
                "presenter_organisation": _SHUNYI_GOV,
            },
        ],
    },
    {
        "slug": "exhibition",
        "kind": "exhibition",
        "title": {
            "zh": "隐形冠军专题展",
            "de": "Sonderausstellung „Hidden Champions“",
            "en": "Special Exhibition of Hidden Champions",
        },
        "description": {
            "zh": (
                "专题展集中展示中德、中欧合作在新能源智能汽车、智能装备、数字经济等重点领域的最新成果，"
                "为隐形冠军企业搭建展示交流与合作对接平台，助力企业发展。"
            ),
            "de": (
                "Die Sonderausstellung präsentiert Hidden Champions und Ergebnisse der chinesisch-deutschen "
                "und chinesisch-europäischen Zusammenarbeit in Schlüsselbereichen wie intelligenten "
                "New-Energy-Fahrzeugen, intelligenter Ausrüstung und digitaler Wirtschaft. Sie bietet "
                "Ausstellern und Besuchern eine Plattform für Austausch und Geschäftsanbahnung."
            ),
            "en": (
                "The special exhibition presents hidden champions and the achievements of China-Germany and "
                "China-Europe cooperation in key fields such as new energy intelligent vehicles, smart "
                "equipment and the digital economy, offering a platform for exchange and business matchmaking "
                "that supports enterprise development."
            ),
        },
        "room": {
            "zh": "展览厅",
            "de": "Ausstellungshalle",
            "en": "Exhibition Hall",
        },
        "starts": "09:00",
        "ends": "17:30",
        "capacity": None,
        "access": "open",
        "agenda": [
            {
                "time": "09:00",
                "title": {
                    "zh": "展览开放",
                    "de": "Öffnung der Ausstellung",
                    "en": "Exhibition opens",
                },
                "presenter_name": "",
                "presenter_organisation": None,
            },
            {
                "time": "10:15",
                "title": {
                    "zh": "嘉宾巡馆",
                    "de": "Rundgang der Ehrengäste",
                    "en": "Guided tour for honoured guests",
                },
                "presenter_name": "",
                "presenter_organisation": _INDUSTRIAL_PARK,
            },
            {
                "time": "12:30",
                "title": {
                    "zh": "展商路演：新能源智能汽车",
                    "de": "Ausstellerpräsentationen: Intelligente New-Energy-Fahrzeuge",
                    "en": "Exhibitor pitches: new energy intelligent vehicles",
                },
                "presenter_name": "",
                "presenter_organisation": None,
            },
            {
                "time": "14:00",
                "title": {
                    "zh": "中德企业供需对接会",
                    "de": "B2B-Kooperationsbörse für chinesische und deutsche Unternehmen",
                    "en": "B2B matchmaking for Chinese and German companies",
                },
                "presenter_name": "",
                "presenter_organisation": None,
            },
            {
                "time": "15:30",
                "title": {
                    "zh": "展商路演：智能装备与数字经济",
                    "de": "Ausstellerpräsentationen: Intelligente Ausrüstung und digitale Wirtschaft",
                    "en": "Exhibitor pitches: smart equipment and the digital economy",
                },
                "presenter_name": "",
                "presenter_organisation": None,
            },
        ],
    },
]

# ---------------------------------------------------------------------------
# Exhibitors (fictional hidden champions)
# ---------------------------------------------------------------------------

EXHIBITOR_THEMES: dict[str, Trilingual] = {
    "new_energy_vehicles": {
        "zh": "新能源智能汽车",
        "de": "Intelligente New-Energy-Fahrzeuge",
        "en": "New Energy Intelligent Vehicles",
    },
    "smart_equipment": {
        "zh": "智能装备",
        "de": "Intelligente Ausrüstung",
        "en": "Smart Equipment",
    },
    "digital_economy": {
        "zh": "数字经济",
        "de": "Digitale Wirtschaft",
        "en": "Digital Economy",
    },
}

EXHIBITORS: list[ExhibitorSpec] = [
    # New energy intelligent vehicles — hall A
    {"company": "Hofmann Hochvolt-Systeme GmbH", "theme": "new_energy_vehicles", "booth": "A01", "country": "DE"},
    {"company": "Kessler & Voß Thermomanagement GmbH", "theme": "new_energy_vehicles", "booth": "A02", "country": "DE"},
    {"company": "北京锐擎电驱动科技有限公司", "theme": "new_energy_vehicles", "booth": "A03", "country": "CN"},
    {
        "company": "Eberhardt Steckverbinder- und Ladetechnik GmbH",
        "theme": "new_energy_vehicles",
        "booth": "A04",
        "country": "DE",
    },
    {"company": "北京澜途智能网联汽车科技有限公司", "theme": "new_energy_vehicles", "booth": "A05", "country": "CN"},
    # Smart equipment — hall B
    {"company": "Schäfer Antriebstechnik GmbH", "theme": "smart_equipment", "booth": "B01", "country": "DE"},
    {"company": "北京精工智能装备有限公司", "theme": "smart_equipment", "booth": "B02", "country": "CN"},
    {
        "company": "Großmann Präzisionswerkzeuge GmbH & Co. KG",
        "theme": "smart_equipment",
        "booth": "B03",
        "country": "DE",
    },
    {"company": "北京联拓工业机器人有限公司", "theme": "smart_equipment", "booth": "B04", "country": "CN"},
    {"company": "Wendelstein Fluidtechnik GmbH", "theme": "smart_equipment", "booth": "B05", "country": "DE"},
    # Digital economy — hall C
    {"company": "Rheinfeld Industrie-Software GmbH", "theme": "digital_economy", "booth": "C01", "country": "DE"},
    {"company": "北京数衡工业互联网科技有限公司", "theme": "digital_economy", "booth": "C02", "country": "CN"},
    {"company": "Lorenz & Thiel IT-Sicherheit GmbH", "theme": "digital_economy", "booth": "C03", "country": "DE"},
    {"company": "北京云汇智造信息技术有限公司", "theme": "digital_economy", "booth": "C04", "country": "CN"},
    {"company": "Falkenau Sensordaten AG", "theme": "digital_economy", "booth": "C05", "country": "DE"},
]

# ---------------------------------------------------------------------------
# Fictional organisations and positions for fake delegates
# (Faker supplies the person names.)
# organisation_type: "government", "chamber", "association", "enterprise", "press", "other"
# ---------------------------------------------------------------------------

FAKE_ORGANISATIONS: dict[str, list[OrganisationSpec]] = {
    "DE": [
        {"name": "Schäfer Antriebstechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Hofmann Hochvolt-Systeme GmbH", "organisation_type": "enterprise"},
        {"name": "Kessler & Voß Thermomanagement GmbH", "organisation_type": "enterprise"},
        {"name": "Großmann Präzisionswerkzeuge GmbH & Co. KG", "organisation_type": "enterprise"},
        {"name": "Wendelstein Fluidtechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Rheinfeld Industrie-Software GmbH", "organisation_type": "enterprise"},
        {"name": "Lorenz & Thiel IT-Sicherheit GmbH", "organisation_type": "enterprise"},
        {"name": "Falkenau Sensordaten AG", "organisation_type": "enterprise"},
        {"name": "Eberhardt Steckverbinder- und Ladetechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Weißbach Lineartechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Brandt & Söhne Gießereitechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Ostermeier Kunststofftechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Haßloch Messsysteme GmbH", "organisation_type": "enterprise"},
        {"name": "Kranich Laseroptik GmbH", "organisation_type": "enterprise"},
        {"name": "Lindenau Lagertechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Straßberger Industrieautomation GmbH", "organisation_type": "enterprise"},
        {"name": "Tannhäuser Oberflächentechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Vogtländer Getriebebau GmbH & Co. KG", "organisation_type": "enterprise"},
        {"name": "Hellweg Batteriesysteme GmbH", "organisation_type": "enterprise"},
        {"name": "Böhmer Dichtungstechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Auenthal Werkzeugmaschinen AG", "organisation_type": "enterprise"},
        {"name": "Fischbach Elektronikfertigung GmbH", "organisation_type": "enterprise"},
        {"name": "Neumark Robotik GmbH", "organisation_type": "enterprise"},
        {"name": "Sommerfeld Wasserstofftechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Gräfenhain Prüftechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Kaltenbrunn Digital Engineering GmbH", "organisation_type": "enterprise"},
        {"name": "Mühlhausen Verbindungstechnik GmbH", "organisation_type": "enterprise"},
        {"name": "Deutsch-Chinesische Handelskammer Rhein-Ruhr e. V.", "organisation_type": "chamber"},
        {"name": "Außenwirtschaftskammer Mittelstand Süd e. V.", "organisation_type": "chamber"},
        {"name": "Verband mittelständischer Antriebs- und Fluidtechnik e. V.", "organisation_type": "association"},
        {"name": "Arbeitskreis Elektromobilität Asien e. V.", "organisation_type": "association"},
        {"name": "Fachverband Industrielle Software und Datenräume e. V.", "organisation_type": "association"},
        {"name": "Fernost Industrie-Report", "organisation_type": "press"},
        {"name": "Mittelstandsjournal Asien", "organisation_type": "press"},
        {"name": "Institut für Standortberatung Weißenfels", "organisation_type": "other"},
    ],
    "CN": [
        {"name": "北京精工智能装备有限公司", "organisation_type": "enterprise"},
        {"name": "北京锐擎电驱动科技有限公司", "organisation_type": "enterprise"},
        {"name": "北京澜途智能网联汽车科技有限公司", "organisation_type": "enterprise"},
        {"name": "北京联拓工业机器人有限公司", "organisation_type": "enterprise"},
        {"name": "北京数衡工业互联网科技有限公司", "organisation_type": "enterprise"},
        {"name": "北京云汇智造信息技术有限公司", "organisation_type": "enterprise"},
        {"name": "北京恒钧精密轴承有限公司", "organisation_type": "enterprise"},
        {"name": "北京晟拓新材料科技有限公司", "organisation_type": "enterprise"},
        {"name": "北京睿航传感技术有限公司", "organisation_type": "enterprise"},
        {"name": "北京中研芯控电子有限公司", "organisation_type": "enterprise"},
        {"name": "北京华渊液压技术有限公司", "organisation_type": "enterprise"},
        {"name": "北京宏屹数控机床有限公司", "organisation_type": "enterprise"},
        {"name": "青岚汽车零部件股份有限公司", "organisation_type": "enterprise"},
        {"name": "泽川动力电池系统有限公司", "organisation_type": "enterprise"},
        {"name": "青岚启明激光科技有限公司", "organisation_type": "enterprise"},
        {"name": "泽川博远工业软件有限公司", "organisation_type": "enterprise"},
        {"name": "北京智衡检测认证技术有限公司", "organisation_type": "enterprise"},
        {"name": "北京汇通跨境供应链管理有限公司", "organisation_type": "enterprise"},
        {"name": "北京新锐氢能科技有限公司", "organisation_type": "enterprise"},
        {"name": "北京恒泰精密铸造有限公司", "organisation_type": "enterprise"},
        {"name": "北京明瞻数据科技有限公司", "organisation_type": "enterprise"},
        {"name": "北京天衡智能制造研究院有限公司", "organisation_type": "enterprise"},
        {"name": "青岚市工业和信息化局", "organisation_type": "government"},
        {"name": "泽川市商务局", "organisation_type": "government"},
        {"name": "临澜经济技术开发区管理委员会", "organisation_type": "government"},
        {"name": "青岚市投资促进服务中心", "organisation_type": "government"},
        {"name": "青岚市机械工业协会", "organisation_type": "association"},
        {"name": "华北新能源汽车零部件产业促进会", "organisation_type": "association"},
        {"name": "泽川市智能制造产业联盟", "organisation_type": "association"},
        {"name": "青岚市外商投资企业协会", "organisation_type": "association"},
        {"name": "《智造前沿》杂志社", "organisation_type": "press"},
        {"name": "《中德经贸导刊》编辑部", "organisation_type": "press"},
        {"name": "华北工业传媒有限公司", "organisation_type": "press"},
        {"name": "青岚产业经济研究院", "organisation_type": "other"},
    ],
}

FAKE_POSITIONS: dict[str, list[str]] = {
    "DE": [
        "Geschäftsführer",
        "Geschäftsführerin",
        "Vorstandsvorsitzender",
        "Prokurist",
        "Leiterin Vertrieb Asien",
        "Leiter Vertrieb China",
        "Technischer Leiter",
        "Leiterin Forschung und Entwicklung",
        "Leiter Einkauf",
        "Leiterin Qualitätsmanagement",
        "Werkleiter",
        "Leiter Geschäftsentwicklung Asien-Pazifik",
        "Projektmanagerin China",
        "Produktmanager Elektromobilität",
        "Key Account Manager",
        "Länderbeauftragte China",
        "Hauptgeschäftsführer",
        "Referentin Außenwirtschaft",
        "Referent Industriepolitik",
        "Redakteurin",
        "Korrespondent",
    ],
    "CN": [
        "董事长",
        "总经理",
        "副总经理",
        "副总裁",
        "首席技术官",
        "技术总监",
        "研发中心主任",
        "国际业务部总监",
        "海外事业部副总经理",
        "战略合作部部长",
        "市场部经理",
        "采购经理",
        "项目经理",
        "高级工程师",
        "处长",
        "副处长",
        "一级主任科员",
        "秘书长",
        "副秘书长",
        "记者",
        "主编",
    ],
}
