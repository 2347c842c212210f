#!/usr/bin/env bash
# CI: docker-compose.yml must be a valid Compose file (`docker compose config -q`, or Debian's
# docker-compose), and must refuse to start without SECRETS_KEY, POSTGRES_PASSWORD or REDIS_PASSWORD.
# Images are not built here: no container registry is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  echo "ci: installing docker-compose (apt)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
  fi
  compose=(docker-compose)
fi

# A dummy key: the file requires one. A .env beside the file would also be read: keep the check hermetic.
dummy_key=$(printf '0123456789abcdef%.0s' 1 2 3 4)
no_env=$(mktemp)
trap 'rm -f "$no_env"' EXIT
required=(SECRETS_KEY POSTGRES_PASSWORD REDIS_PASSWORD)
with_all=(SECRETS_KEY="$dummy_key" POSTGRES_PASSWORD=ci-postgres-password REDIS_PASSWORD=ci-redis-password)
if ! env "${with_all[@]}" "${compose[@]}" --project-directory . -f docker-compose.yml --env-file "$no_env" config -q; then
  echo "ci: docker-compose.yml is invalid (${compose[*]} config)" >&2
  exit 1
fi
for variable in "${required[@]}"; do
  without=()
  for assignment in "${with_all[@]}"; do [ "${assignment%%=*}" = "$variable" ] || without+=("$assignment"); done
  if env -u "$variable" "${without[@]}" "${compose[@]}" --project-directory . -f docker-compose.yml --env-file "$no_env" config -q >/dev/null 2>&1; then
    echo "ci: docker-compose.yml accepts a missing $variable; it must require one" >&2
    exit 1
  fi
done
echo "ci: docker-compose.yml is valid (${compose[*]} config)"
