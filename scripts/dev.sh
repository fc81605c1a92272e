#!/usr/bin/env bash
# Set up .venv and run @IAO locally: embedded SQLite, the LINE simulator, and a chat page to talk to the bot.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
export IAO_ENV=development
export LINE_CHANNEL_SECRET=${LINE_CHANNEL_SECRET:-dev-channel-secret}
export LINE_CHANNEL_ACCESS_TOKEN=${LINE_CHANNEL_ACCESS_TOKEN:-dev-channel-access-token}
BOT_PORT=${BOT_PORT:-5000}
SIM_PORT=${SIM_PORT:-8900}
export LINE_API_BASE_URL="http://127.0.0.1:${SIM_PORT}"
export LINE_API_DATA_URL="http://127.0.0.1:${SIM_PORT}"  # linesim is LINE's data host too (rich menu images)
export DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/instance/iao.db}
.venv/bin/flask --app app init-db
.venv/bin/python -m linesim --host 127.0.0.1 --port "$SIM_PORT" \
  --webhook-url "http://127.0.0.1:${BOT_PORT}/callback" \
  --channel-secret "$LINE_CHANNEL_SECRET" --access-token "$LINE_CHANNEL_ACCESS_TOKEN" &
sim=$!
trap 'kill $sim 2>/dev/null' EXIT INT TERM
.venv/bin/python - "$SIM_PORT" <<'PY'  # wait for linesim, then show the rich menu on its chat page
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_sim/state", timeout=1).close()
        break
    except OSError:
        time.sleep(0.1)
PY
.venv/bin/flask --app app richmenu deploy || echo "  (rich menu not deployed; the chat page works without it)"
echo
echo "  @IAO is running. Chat with the bot as district staff would:  http://127.0.0.1:${SIM_PORT}/"
echo "  (webhook: http://127.0.0.1:${BOT_PORT}/callback, database: $DATABASE_URL; Ctrl+C stops both)"
echo
.venv/bin/gunicorn --bind "127.0.0.1:${BOT_PORT}" --workers 2 --access-logfile - "app:create_app()"
