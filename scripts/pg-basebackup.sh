#!/usr/bin/env bash
# A PostgreSQL base backup for point-in-time recovery with the WAL archive (docs/operations.md, "Backups").
#   scripts/pg-basebackup.sh DIR     (PGHOST, PGPORT, PGUSER, PGPASSWORD as for psql; a role with REPLICATION)
set -euo pipefail
dest=${1:?usage: scripts/pg-basebackup.sh DIR}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$dest/base-$stamp"
mkdir -p "$target"
pg_basebackup --pgdata="$target" --format=tar --gzip --wal-method=stream --checkpoint=fast \
  --manifest-checksums=SHA256 --label="kuyakusho-$stamp" --progress
# Fails loudly when a file is missing or altered (tar format: unpack first, as the restore would).
check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
tar -xzf "$target/base.tar.gz" -C "$check"
mkdir -p "$check/pg_wal" && tar -xzf "$target/pg_wal.tar.gz" -C "$check/pg_wal"
cp "$target/backup_manifest" "$check/"
pg_verifybackup --no-parse-wal "$check"
echo "base backup $target verified"
