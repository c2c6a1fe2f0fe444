#!/usr/bin/env bash
# Adds a migration for both engines after a model change: tools/add-migration.sh <Name>
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: tools/add-migration.sh <MigrationName>}
dotnet tool restore >/dev/null
dotnet build tools/Migrations >/dev/null
for engine in Sqlite Postgres; do
  dotnet ef migrations add "$name" --project src/Lifecycle --startup-project tools/Migrations \
    --context "${engine}LifecycleDb" --output-dir "Storage/Migrations/$engine"
done
