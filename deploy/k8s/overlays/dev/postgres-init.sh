# Sourced by the postgres image's entrypoint on the first start (empty data directory): one role
# and one database per sanwei service listed in SANWEI_DATABASES, with the password of its
# sanwei-<service>-db-app Secret (passed in as <SERVICE>_DB_PASSWORD).
for svc in $SANWEI_DATABASES; do
  var="$(echo "$svc" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  eval "pw=\${$var}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE ROLE $svc LOGIN PASSWORD '$pw'" \
    -c "CREATE DATABASE $svc OWNER $svc"
done
