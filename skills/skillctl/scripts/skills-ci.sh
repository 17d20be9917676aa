#!/bin/sh
# skills-ci.sh: the checks a CI job should run for Agent Skills managed with skillctl.
#
#   1. validate every skill under $SKILLS_DIR strictly (annotations on GitHub Actions);
#   2. if skills.lock exists: reinstall exactly what it records (--frozen), then verify the hashes;
#   3. if CHECK_UPDATES=1: fail when any locked skill has an update upstream.
#
# Environment: SKILLS_DIR (default: skills, when that folder exists), SKILLCTL (default: skillctl),
# LOCK (default: skills.lock), CHECK_UPDATES (default: 0). POSIX sh; exits non-zero on the first failure.
set -eu

SKILLCTL=${SKILLCTL:-skillctl}
LOCK=${LOCK:-skills.lock}
CHECK_UPDATES=${CHECK_UPDATES:-0}
if [ -z "${SKILLS_DIR:-}" ] && [ -d skills ]; then
	SKILLS_DIR=skills
fi

if ! command -v "$SKILLCTL" >/dev/null 2>&1; then
	echo "skills-ci: $SKILLCTL not found" >&2
	echo "hint: go install github.com/skillctl/skillctl/cmd/skillctl@latest" >&2
	exit 1
fi

format=text
if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
	format=github
fi

step() {
	echo "skills-ci: $*" >&2
	"$@"
}

if [ -n "${SKILLS_DIR:-}" ]; then
	step "$SKILLCTL" validate --strict --format "$format" "$SKILLS_DIR"
fi

if [ -f "$LOCK" ]; then
	# --frozen fails instead of rewriting the lock; older skillctl builds lack it and reinstall plainly.
	if "$SKILLCTL" install --help 2>/dev/null | grep -q -- '^ *--frozen'; then
		step "$SKILLCTL" install --frozen --lock "$LOCK"
	else
		step "$SKILLCTL" install --lock "$LOCK"
	fi
	step "$SKILLCTL" verify --lock "$LOCK"
	if [ "$CHECK_UPDATES" = "1" ]; then
		step "$SKILLCTL" check --lock "$LOCK"
	fi
elif [ -z "${SKILLS_DIR:-}" ]; then
	echo "skills-ci: nothing to check: no $LOCK and no skills folder (set SKILLS_DIR)" >&2
	exit 1
fi

echo "skills-ci: all checks passed" >&2
