# Finds a JDK >= 25 on this machine; sourced by ./keep and ./mvnw (POSIX sh, safe under set -euf).
#
# Looks at KEEP_JAVA_HOME, JAVA_HOME, the java on PATH, then the usual JDK folders (or, when
# KEEP_JDK_DIRS is set, the colon-separated folders it names instead of those), and picks the
# newest JDK whose 'release' file says 25 or later.

keep_min_jdk=25

# Sets keep_jdk_major_value to the feature release of the JDK at $1, or to nothing when $1 is not a
# JDK. It reads the 'release' file in this shell: ./keep runs this for every candidate on every
# start, and a sed per candidate cost about 100 ms there.
keep_jdk_major_of() {
  keep_jdk_major_value=
  if [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ -f "$1/release" ]; then
    while IFS= read -r _kjm_line || [ -n "$_kjm_line" ]; do
      case $_kjm_line in
        JAVA_VERSION=\"[0-9]*)
          _kjm_version=${_kjm_line#JAVA_VERSION=\"}
          keep_jdk_major_value=${_kjm_version%%[!0-9]*}
          return 0 ;;
      esac
    done < "$1/release"
  fi
}

# Prints the feature release of the JDK at $1, or nothing when $1 is not a JDK.
keep_jdk_major() {
  keep_jdk_major_of "$1"
  if [ -n "$keep_jdk_major_value" ]; then printf '%s\n' "$keep_jdk_major_value"; fi
}

# Prints the home of the newest JDK >= keep_min_jdk, or nothing.
keep_find_jdk() {
  _kfj_best=
  _kfj_best_major=0
  _kfj_path_home=
  if _kfj_java=$(command -v java 2>/dev/null); then
    _kfj_path_home=$(readlink -f "$_kfj_java")
    _kfj_path_home=${_kfj_path_home%/*}
    _kfj_path_home=${_kfj_path_home%/*}
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
    keep_jdk_major_of "$_kfj_dir"
    _kfj_major=$keep_jdk_major_value
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
