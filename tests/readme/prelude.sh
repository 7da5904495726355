# Sourced before every README block the tour test runs (see shell-session.ts).
curl() {
  local __tour_out __tour_status __tour_arg __tour_to_file=
  for __tour_arg in "$@"; do
    case "$__tour_arg" in --output* | --remote-name* | -[oO]* | -[!-]*[oO]*) __tour_to_file=1 ;; esac
  done
  __tour_out=$(command curl -w '\n%{http_code}' "$@") || return
  __tour_status=${__tour_out##*$'\n'}
  __tour_out=${__tour_out%$'\n'*}
  printf '%s' "$__tour_out"
  if [ "$__tour_status" -ge 400 ]; then
    printf '%s\t%s\n' "$__tour_status" "${__tour_out//[$'\n\t']/ }" >>"$__TOUR_DIR/http-errors"
  elif [ -z "$__tour_out" ] && [ -z "$__tour_to_file" ] && [ "$__tour_status" != 204 ] && [ /dev/stdout -ef "$__TOUR_DIR/stdout" ]; then
    printf 'curl %s\n' "$*" >>"$__TOUR_DIR/silent-calls"
  fi
}
__tour_save() {
  local name
  for name in $(compgen -v); do
    case "$name" in __tour* | BASH* | _ | PIPESTATUS | FUNCNAME | COLUMNS | LINES | OPTIND | OPTARG | REPLY | SECONDS | RANDOM | SRANDOM | LINENO | EPOCH*) continue ;; esac
    grep -qxF "$name" <<<"$__tour_known" && continue
    declare -p "$name"
  done >"$__TOUR_DIR/state.sh"
}
