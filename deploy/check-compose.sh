#!/usr/bin/env bash
# Brings up compose.yaml and checks it as a user would: both servers ready, a registration
# through the proxy, and the delegate's badge. Needs Docker with the compose plugin.
# (Where Docker cannot run, tests/test_two_servers.py checks the same topology with processes.)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] || echo "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')" > .env
docker compose config --quiet
docker compose up -d --build --wait
trap 'docker compose logs --tail 50; docker compose down' EXIT
docker compose exec -T app1 flask --app eventapp seed-demo
base=http://localhost:8080
for server in app1 app2; do
  docker compose exec -T "$server" curl -fsS http://127.0.0.1:8000/readyz; echo
done
# Both servers run with eventapp/gunicorn_conf.py: threads, not held by idle connections (issue 14).
[ "$(docker compose logs app1 app2 | grep -c 'Using worker: gthread')" -ge 2 ] || { echo "app servers are not on gthread workers"; exit 1; }
echo "workers: gthread"
answer=$(curl -fsS -X POST "$base/api/v1/registrations" -H 'Content-Type: application/json' -d '{
  "family_name": "Müller", "given_name": "Jürgen", "email": "compose-check@example.de",
  "organisation": "Weiß & Söhne GmbH", "country": "DE", "consent": true, "sessions": ["exhibition"]}')
echo "$answer"
link=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["manage_url"])' <<<"$answer")
curl -fsS -o /tmp/compose-badge.pdf "${link}/badge.pdf"
head -c 5 /tmp/compose-badge.pdf | grep -q '%PDF' && echo "badge: ok"
