# Finds a JDK >= 25 on this machine; sourced by ./keep and ./mvnw (POSIX sh, safe under set -euf).
#
# Looks at KEEP_JAVA_HOME, JAVA_HOME, the java on PATH, then the usual JDK folders (or, when
# KEEP_JDK_DIRS is set, the colon-separated folders it names instead of those), and picks the
# newest JDK whose 'release' file says 25 or later.

keep_min_jdk=25

# Prints the feature release of the JDK at $1, or nothing when $1 is not a JDK.
keep_jdk_major() {
  if [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n 1
  fi
}

# Prints the home of the newest JDK >= keep_min_jdk, or nothing.
keep_find_jdk() {
  _kfj_best=
  _kfj_best_major=0
  _kfj_path_home=
  if _kfj_java=$(command -v java 2>/dev/null); then
    _kfj_path_home=$(dirname "$(dirname "$(readlink -f "$_kfj_java")")")
  fi
  case $- in *f*) _kfj_noglob=1 ;; *) _kfj_noglob=0 ;; esac
  set +f
  if [ -n "${KEEP_JDK_DIRS:-}" ]; then
    _kfj_ifs=$IFS; IFS=:
    # shellcheck disable=SC2086
    set -- $KEEP_JDK_DIRS
    IFS=$_kfj_ifs
  else
    set -- /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "${HOME:-/nonexistent}"/.sdkman/candidates/java/* "${HOME:-/nonexistent}"/.jdks/*
  fi
  for _kfj_dir in "${KEEP_JAVA_HOME:-}" "${JAVA_HOME:-}" "$_kfj_path_home" "$@"; do
    [ -n "$_kfj_dir" ] && [ -d "$_kfj_dir" ] || continue
    _kfj_major=$(keep_jdk_major "$_kfj_dir")
    if [ -n "$_kfj_major" ] && [ "$_kfj_major" -ge "$keep_min_jdk" ] && [ "$_kfj_major" -gt "$_kfj_best_major" ]; then
      _kfj_best=$_kfj_dir
      _kfj_best_major=$_kfj_major
    fi
  done
  [ "$_kfj_noglob" = 1 ] && set -f
  if [ -n "$_kfj_best" ]; then printf '%s\n' "$_kfj_best"; fi
}

keep_no_jdk_message() {
  echo "needs a JDK $keep_min_jdk or newer and found none (looked at KEEP_JAVA_HOME, JAVA_HOME, PATH and /usr/lib/jvm); install one, for example Eclipse Temurin $keep_min_jdk"
}
