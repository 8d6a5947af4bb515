#!/bin/sh
# before-acquire-handler for the booth lab: fails while the file fail-$BOOTH_LOCAL exists beside this script.
# Logs every run to handler.log there.
here=$(dirname "$0")
echo "$(date +%s%N) $BOOTH_LOCAL $BOOTH_TICKET $BOOTH_TICKET_EXPIRES" >> "$here/handler.log"
[ ! -e "$here/fail-$BOOTH_LOCAL" ]
