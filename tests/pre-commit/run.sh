#!/usr/bin/env bash
# End-to-end test of .pre-commit-hooks.yaml with the real pre-commit (PyPI),
# offline: a temporary git repository installs the three hooks from a snapshot
# of this working tree (a local repository at a commit), commits a valid
# catalog (the hooks pass), then a broken one (the commit is blocked and the
# findings are shown as file:line:column), and a YAML file outside the hooks'
# scope (they skip it).
#
#   tests/pre-commit/run.sh            (scripts/test.sh runs it)
#
# Installs pre-commit into target/pre-commit-venv when missing (the only
# network use). The node hook needs wasm/pkg (committed); the rust hook builds
# the workspace's root package with cargo (offline: CARGO_NET_OFFLINE); the
# system hook uses target/debug/oc-catalog (built here).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

venv=$repo/target/pre-commit-venv
if [ ! -x "$venv/bin/pre-commit" ]; then
  echo "installing pre-commit into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet pre-commit
fi
"$venv/bin/pre-commit" --version

cargo build -q -p oc-catalog # the system hook's oc-catalog (a no-op when up to date)

work=$(mktemp -d)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# Everything below runs offline.
export CARGO_NET_OFFLINE=true npm_config_offline=true npm_config_audit=false \
  npm_config_fund=false npm_config_update_notifier=false PIP_NO_INDEX=1
export PRE_COMMIT_HOME=$work/pre-commit-home
# The rust hook's `cargo install` reuses one target dir across runs, and builds
# without optimisation: what is tested is the hook (install, entry, files,
# roots, exit codes), not the speed of the binary; this saves minutes.
export CARGO_TARGET_DIR=$repo/target/pre-commit-cargo
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=false \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_DEBUG=false
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.com GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.com
export GIT_CONFIG_GLOBAL=$work/gitconfig
git config --global init.defaultBranch main

# 1. The hook repository: this working tree (tracked and new files) at one commit.
hooks=$work/oc-catalog
mkdir -p "$hooks"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -f "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$hooks"
git -C "$hooks" init -q
git -C "$hooks" add -A
git -C "$hooks" commit -q -m snapshot
rev=$(git -C "$hooks" rev-parse HEAD)

# 2. A user's repository with the three hooks.
mkdir -p "$work/bin"
ln -s "$repo/target/debug/oc-catalog" "$work/bin/oc-catalog"
export PATH=$work/bin:$PATH
user=$work/catalog-repo
git init -q "$user"
cd "$user"
cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: oc-catalog-validate
      - id: oc-catalog-validate-rust
      - id: oc-catalog-validate-system
EOF
"$venv/bin/pre-commit" install
git add .pre-commit-config.yaml
git commit -q -m "pre-commit config" --no-verify

fail() { echo "FAIL: $*" >&2; exit 1; }
ids=(oc-catalog-validate oc-catalog-validate-rust oc-catalog-validate-system)

# 3. A valid catalog: every hook passes and the commit is made.
mkdir -p catalog
cp -r "$repo/examples/catalog/kueue-operator" catalog/
git add catalog
echo "--- commit a valid catalog"
if ! git commit -m "valid catalog" >"$work/valid.log" 2>&1; then
  cat "$work/valid.log"; fail "the valid catalog was rejected"
fi
cat "$work/valid.log"
[ "$(grep -c 'validate OLM catalogs.*Passed' "$work/valid.log")" = 3 ] || fail "not all three hooks passed"

# 4. A broken package added to that catalog: every hook fails, the commit is
#    blocked, the findings name file:line:column, and the whole catalog root is
#    validated (the valid package's file, not part of this commit, too).
cp -r "$repo/examples/broken-catalog/etcd-example" catalog/
git add catalog/etcd-example
echo "--- commit a broken catalog (must be blocked)"
if git commit -m "broken catalog" >"$work/broken.log" 2>&1; then
  cat "$work/broken.log"; fail "the broken catalog was committed"
fi
cat "$work/broken.log"
[ "$(grep -c 'validate OLM catalogs.*Failed' "$work/broken.log")" = 3 ] || fail "not all three hooks failed"
[ "$(grep -c -- '--> catalog/etcd-example/package.yaml:4:17$' "$work/broken.log")" = 3 ] || fail "FBC105 not shown by every hook"
[ "$(grep -c '^error\[FBC105\]: invalid package "etcd-example": default channel "stabel" not found' "$work/broken.log")" = 3 ] ||
  fail "FBC105's message not shown by every hook"
[ "$(grep -c '^validated 4 files: 5 errors, 3 warnings (2 packages, 8 channels, 14 bundles)$' "$work/broken.log")" = 3 ] ||
  fail "not every hook validated the whole catalog root"
[ "$(git rev-list --count HEAD)" = 2 ] || fail "a commit was made"

# 5. A YAML file outside the hooks' scope (files:) is not looked at.
git reset -q
rm -rf catalog/etcd-example
mkdir -p .github/workflows
printf 'name: ci\non: [push]\n' >.github/workflows/ci.yaml
git add .github
echo "--- commit a YAML file outside the hooks' scope"
git commit -m "ci" >"$work/scope.log" 2>&1 || { cat "$work/scope.log"; fail "a non-catalog file was validated"; }
cat "$work/scope.log"
[ "$(grep -c 'validate OLM catalogs.*(no files to check)Skipped' "$work/scope.log")" = 3 ] || fail "hooks did not skip a non-catalog file"

echo "pre-commit hooks: ok (${ids[*]})"
