#!/bin/sh
# Writes the configuration from the environment, as the official image does, then runs the node.
set -eu
cat > /etc/rabbitmq/rabbitmq.conf <<CONF
default_user = ${RABBITMQ_DEFAULT_USER:-guest}
default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}
loopback_users = none
listeners.tcp.default = 5672
management.tcp.port = 15672
log.console = true
log.console.level = warning
log.file = false
CONF
exec /usr/lib/rabbitmq/bin/rabbitmq-server
