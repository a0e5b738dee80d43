# drbatch image: JRE 17 and the PostgreSQL client tools (pg_dump, pg_restore, psql) of the server's major
# version (pg_dump refuses to dump a newer server; drbatch checks before it starts). Build from the repository
# root:   docker build --build-arg PG_MAJOR=15 -t drbatch:latest .
# Runs as uid 10001 with a read-only root filesystem; /tmp and /spool are emptyDir volumes (k8s-cronjobs/).
ARG PG_MAJOR=15

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package \
 && java -Djarmode=tools -jar scheduler/target/drbatch.jar extract --destination /app

FROM eclipse-temurin:17-jre-jammy
ARG PG_MAJOR
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt jammy-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" \
 && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin drbatch
COPY --from=build /app /app
USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["java", "-jar", "/app/drbatch.jar"]
CMD ["--help"]
