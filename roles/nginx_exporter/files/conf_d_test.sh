# The `validate:` command of nginx_exporter's conf.d file (vars/main.yml).
# `nginx -t` only ever reads the main config, so the candidate alone proves
# nothing and the live file must not be replaced to test it. This builds a
# trial main config beside the real one (relative includes resolve from its
# folder) whose `include <conf.d>/*.conf` points at a scratch folder holding
# links to every other conf.d file plus the candidate under its final name,
# and runs `nginx -t -c` on it: the whole config exactly as nginx will load
# it, while the live files stay untouched. It must hold no percent sign
# (Ansible fills in the candidate's path with Python's percent operator).
# Arguments: candidate, main config, conf.d folder, file name, nginx binary.
set -eu
candidate=$1 main=$2 dir=$3 name=$4 nginx=$5
work=$(mktemp -d)
trial=$(mktemp "$(dirname "$main")/.nginx_exporter-test.XXXXXX")
trap 'rm -rf "$work" "$trial"' EXIT
for f in "$dir"/*.conf; do
  if [ -e "$f" ] && [ "${f##*/}" != "$name" ]; then ln -s "$f" "$work/"; fi
done
cp "$candidate" "$work/$name"
if ! awk -v old="$dir/*.conf" -v new="$work/*.conf" '
    $1 == "include" && index($0, old) { i = index($0, old); $0 = substr($0, 1, i - 1) new substr($0, i + length(old)); n++ }
    { print }
    END { exit n ? 0 : 3 }' "$main" > "$trial"; then
  echo "$main does not include $dir/*.conf, so nginx would never load $name" >&2
  exit 1
fi
"$nginx" -t -q -c "$trial"
