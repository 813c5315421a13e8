#!/bin/sh
# peerlink masquerade agent.
#
# Keeps the nat chain PEERLINK-MASQ equal to the CIDR list that peerlink writes into CIDR_FILE:
# one MASQUERADE rule per CIDR, reached from POSTROUTING by a single jump that sits ahead of
# kubenet's "! -d 10.0.0.0/8 -j MASQUERADE" rule. Traffic from pods to those CIDRs (peered VPC
# ranges inside 10.0.0.0/8) then leaves with the node's address, which the peering accepts.
#
# Usage: agent.sh [--once | --check | --uninstall | --validate | --help]
#   (no flag)    loop: every RESYNC_INTERVAL seconds re-read CIDR_FILE and rewrite the chain when
#                the file changed or the chain drifted. SIGTERM leaves the rules in place, so a
#                rolling update never opens a gap.
#   --once       apply once; exit 0 only if the chain now matches the file.
#   --check      exit 0 only if the chain and the jump match the file (readiness probe).
#   --uninstall  remove the jump and the chain.
#   --validate   only validate CIDR_FILE (no iptables); exit 0 if every entry is valid.
#
# Environment:
#   CIDR_FILE        default /etc/peerlink/cidrs. One CIDR a line; blank lines and lines whose
#                    first non-blank character is '#' are ignored. Every entry must be a strict
#                    IPv4 CIDR: four octets 0-255 without leading zeros, prefix 0-32, no host bits.
#   RESYNC_INTERVAL  seconds between resyncs in loop mode, 1-86400, default 10.
#   IPTABLES_MODE    nft | legacy: skip detection (tests); unset: detect like kube-proxy's
#                    iptables-wrapper (https://github.com/kubernetes-sigs/iptables-wrappers).
#
# Safety: nothing read from the file reaches a command until it has passed check_cidr, which
# admits only digits, dots and one slash. There is no eval, and globbing is off (set -f).
# Portability: POSIX sh only (dash, busybox ash). Besides shell builtins it uses only grep, sleep
# and the iptables binaries, all present in registry.k8s.io/build-image/distroless-iptables.
# It writes no files, so it runs on a read-only root filesystem.

set -f

CHAIN=PEERLINK-MASQ
COMMENT=peerlink
CIDR_FILE=${CIDR_FILE:-/etc/peerlink/cidrs}
RESYNC_INTERVAL=${RESYNC_INTERVAL:-10}
NL='
'
WS=" $(printf '\t\r')"

# --- logging: one JSON object a line, the form Cloud Logging parses (severity, message) -------

# Sets ESC to $1 escaped for a JSON string: quotes, backslashes and newlines escaped, other
# control or non-ASCII bytes replaced by '?', cut after 500 characters.
json_escape() {
  _s=$1
  ESC=
  _n=0
  while [ -n "$_s" ]; do
    _c=${_s%"${_s#?}"}
    _s=${_s#?}
    case $_c in
      '"' | '\') ESC="$ESC\\$_c" ;;
      "$NL") ESC="$ESC\\n" ;;
      [!\ -~]) ESC="$ESC?" ;;
      *) ESC="$ESC$_c" ;;
    esac
    _n=$((_n + 1))
    if [ "$_n" -ge 500 ] && [ -n "$_s" ]; then
      ESC="$ESC..."
      break
    fi
  done
}

# log SEVERITY MESSAGE [KEY VALUE]...  INFO goes to stdout, everything else to stderr.
log() {
  _sev=$1
  json_escape "$2"
  _out="{\"severity\":\"$_sev\",\"component\":\"peerlink-masquerade-agent\",\"message\":\"$ESC\""
  shift 2
  while [ $# -ge 2 ]; do
    json_escape "$2"
    _out="$_out,\"$1\":\"$ESC\""
    shift 2
  done
  if [ "$_sev" = INFO ]; then
    printf '%s}\n' "$_out"
  else
    printf '%s}\n' "$_out" >&2
  fi
}

# --- validation ---------------------------------------------------------------------------------

# dec_ok TEXT MAX: TEXT is a decimal number 0..MAX without leading zeros (at most 3 digits).
dec_ok() {
  case $1 in
    '' | *[!0-9]* | 0?*) return 1 ;;
  esac
  [ ${#1} -le 3 ] && [ "$1" -le "$2" ]
}

# check_cidr TEXT: 0 if TEXT is a strict IPv4 CIDR with no host bits set; else REASON says why.
check_cidr() {
  _v=$1
  REASON=
  case $_v in
    *[!0-9./]*)
      REASON='only digits, dots and one slash are allowed'
      return 1
      ;;
    */*/*)
      REASON='more than one slash'
      return 1
      ;;
    */*) ;;
    *)
      REASON='missing /prefix length'
      return 1
      ;;
  esac
  _addr=${_v%/*}
  _plen=${_v#*/}
  if ! dec_ok "$_plen" 32; then
    REASON='prefix length must be 0-32 without leading zeros'
    return 1
  fi
  case $_addr in
    *.*.*.*.*)
      REASON='address must have exactly four octets'
      return 1
      ;;
    *.*.*.*) ;;
    *)
      REASON='address must have exactly four octets'
      return 1
      ;;
  esac
  _o1=${_addr%%.*}
  _r=${_addr#*.}
  _o2=${_r%%.*}
  _r=${_r#*.}
  _o3=${_r%%.*}
  _o4=${_r#*.}
  for _o in "$_o1" "$_o2" "$_o3" "$_o4"; do
    if ! dec_ok "$_o" 255; then
      REASON='each octet must be 0-255 without leading zeros'
      return 1
    fi
  done
  # Host bits, one octet at a time so the arithmetic never needs more than 8 bits.
  _net=
  _bad=
  _i=0
  for _o in "$_o1" "$_o2" "$_o3" "$_o4"; do
    _b=$((_plen - 8 * _i))
    [ "$_b" -lt 0 ] && _b=0
    [ "$_b" -gt 8 ] && _b=8
    _m=$(((1 << (8 - _b)) - 1))
    [ $((_o & _m)) -eq 0 ] || _bad=1
    _net="$_net${_net:+.}$((_o & (255 - _m)))"
    _i=$((_i + 1))
  done
  if [ -n "$_bad" ]; then
    REASON="host bits set (the network is $_net/$_plen)"
    return 1
  fi
  return 0
}

# rule_for CIDR: sets RULE to the chain rule exactly as `iptables -S` prints it back, so the
# desired and the actual chain compare as plain text (iptables omits "-d 0.0.0.0/0").
rule_for() {
  if [ "$1" = 0.0.0.0/0 ]; then
    RULE="-A $CHAIN -m comment --comment $COMMENT -j MASQUERADE"
  else
    RULE="-A $CHAIN -d $1 -m comment --comment $COMMENT -j MASQUERADE"
  fi
}

# read_desired: reads CIDR_FILE into DESIRED_RULES (one rule a line, duplicates dropped) and
# COUNT. Stops at the first invalid entry: returns 1 with ERROR_MSG, ERROR_LINE, ERROR_VALUE.
read_desired() {
  DESIRED_RULES=
  COUNT=0
  ERROR_MSG=
  ERROR_LINE=
  ERROR_VALUE=
  _seen=' '
  if [ ! -f "$CIDR_FILE" ] || [ ! -r "$CIDR_FILE" ]; then
    ERROR_MSG="cannot read CIDR file $CIDR_FILE"
    return 1
  fi
  _ln=0
  while IFS= read -r _line || [ -n "$_line" ]; do
    _ln=$((_ln + 1))
    _line=${_line#"${_line%%[!$WS]*}"}
    _line=${_line%"${_line##*[!$WS]}"}
    case $_line in
      '' | '#'*) continue ;;
    esac
    if ! check_cidr "$_line"; then
      ERROR_MSG="invalid entry at $CIDR_FILE line $_ln: \"$_line\": $REASON; chain left unchanged"
      ERROR_LINE=$_ln
      ERROR_VALUE=$_line
      return 1
    fi
    case $_seen in
      *" $_line "*) continue ;;
    esac
    _seen="$_seen$_line "
    rule_for "$_line"
    DESIRED_RULES="$DESIRED_RULES$RULE$NL"
    COUNT=$((COUNT + 1))
  done <"$CIDR_FILE"
  return 0
}

# --- iptables -----------------------------------------------------------------------------------

# detect_mode: sets MODE (nft|legacy), IPT and RESTORE. Same decision as kube-proxy's
# iptables-wrapper: kubelet's hint chains in nft, then in legacy; otherwise whichever back end
# holds more rules, nft on a tie.
detect_mode() {
  case ${IPTABLES_MODE:-} in
    nft | legacy)
      MODE=$IPTABLES_MODE
      MODE_SOURCE=IPTABLES_MODE
      ;;
    '')
      MODE_SOURCE=detected
      _hint='^:(KUBE-IPTABLES-HINT|KUBE-KUBELET-CANARY)'
      if { iptables-nft-save -t mangle; ip6tables-nft-save -t mangle; } 2>/dev/null | grep -Eq "$_hint"; then
        MODE=nft
      # No "-t mangle" for legacy: it would make the kernel create that table.
      elif { iptables-legacy-save; ip6tables-legacy-save; } 2>/dev/null | grep -Eq "$_hint"; then
        MODE=legacy
      else
        _legacy=$({ iptables-legacy-save; ip6tables-legacy-save; } 2>/dev/null | grep -c '^-')
        _nft=$({ iptables-nft-save; ip6tables-nft-save; } 2>/dev/null | grep -c '^-')
        if [ "${_legacy:-0}" -gt "${_nft:-0}" ]; then MODE=legacy; else MODE=nft; fi
      fi
      ;;
    *)
      log ERROR "IPTABLES_MODE must be nft or legacy" value "$IPTABLES_MODE"
      exit 2
      ;;
  esac
  IPT=iptables-$MODE
  RESTORE=iptables-$MODE-restore
}

jump_present() {
  "$IPT" -w 5 -t nat -C POSTROUTING -m addrtype ! --dst-type LOCAL -j "$CHAIN" 2>/dev/null
}

chain_present() {
  "$IPT" -w 5 -t nat -S "$CHAIN" >/dev/null 2>&1
}

# current_rules: sets CURRENT_RULES to the chain's rules as `iptables -S` prints them; returns 1
# when the chain does not exist.
current_rules() {
  CURRENT_RULES=
  _listing=$("$IPT" -w 5 -t nat -S "$CHAIN" 2>/dev/null) || return 1
  while IFS= read -r _l; do
    case $_l in
      "-A $CHAIN "*) CURRENT_RULES="$CURRENT_RULES$_l$NL" ;;
    esac
  done <<EOF
$_listing
EOF
  return 0
}

# in_sync: the chain holds exactly DESIRED_RULES, in order, and the jump exists.
in_sync() {
  current_rules && [ "$CURRENT_RULES" = "$DESIRED_RULES" ] && jump_present
}

# apply: one iptables-restore call. Declaring ":PEERLINK-MASQ - [0:0]" under --noflush creates the
# chain or empties it, and touches no other chain; the whole block commits atomically. The jump
# goes into the same block when `-C` does not find it.
apply() {
  _payload="*nat$NL:$CHAIN - [0:0]$NL$DESIRED_RULES"
  _jump=present
  if ! jump_present; then
    _payload="$_payload-I POSTROUTING 1 -m addrtype ! --dst-type LOCAL -j $CHAIN$NL"
    _jump=inserted
  fi
  _payload="${_payload}COMMIT$NL"
  if ! _err=$(printf '%s' "$_payload" | "$RESTORE" -w 5 --noflush 2>&1); then
    log ERROR "iptables-restore failed; chain left as it was" mode "$MODE" output "$_err"
    return 1
  fi
  if ! in_sync; then
    log ERROR "chain does not match the file after iptables-restore" mode "$MODE"
    return 1
  fi
  log INFO "applied $COUNT rules to $CHAIN with one iptables-restore call" \
    mode "$MODE" rules "$COUNT" jump "$_jump" file "$CIDR_FILE"
  return 0
}

uninstall() {
  _i=0
  while jump_present && [ "$_i" -lt 100 ]; do
    "$IPT" -w 5 -t nat -D POSTROUTING -m addrtype ! --dst-type LOCAL -j "$CHAIN" || break
    _i=$((_i + 1))
  done
  if chain_present; then
    "$IPT" -w 5 -t nat -F "$CHAIN"
    "$IPT" -w 5 -t nat -X "$CHAIN"
  fi
  if jump_present || chain_present; then
    log ERROR "could not remove $CHAIN or its jump" mode "$MODE"
    return 1
  fi
  log INFO "removed $CHAIN and its jump from POSTROUTING" mode "$MODE" jumps_removed "$_i"
  return 0
}

# --- modes --------------------------------------------------------------------------------------

log_invalid() {
  log ERROR "$ERROR_MSG" file "$CIDR_FILE" line "$ERROR_LINE" value "$ERROR_VALUE"
}

run_once() {
  read_desired || {
    log_invalid
    return 1
  }
  if in_sync; then
    log INFO "$CHAIN already matches the file ($COUNT rules)" mode "$MODE" rules "$COUNT"
    return 0
  fi
  apply
}

run_loop() {
  SLEEP_PID=
  trap 'log INFO "stopping; rules left in place" mode "$MODE"; [ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null; exit 0' TERM INT HUP
  log INFO "starting: resync every $RESYNC_INTERVAL s" mode "$MODE" mode_source "$MODE_SOURCE" file "$CIDR_FILE"
  _last_problem=
  _applied=
  while :; do
    if read_desired; then
      _last_problem=
      if ! in_sync; then
        if [ -n "$_applied" ] && [ "$DESIRED_RULES" = "$_applied" ]; then
          log WARNING "$CHAIN drifted from the file; rewriting it" mode "$MODE"
        fi
        apply && _applied=$DESIRED_RULES
      fi
    else
      # Log a bad file once, not every resync; the chain keeps its last good state.
      _problem="$ERROR_LINE:$ERROR_VALUE:$ERROR_MSG"
      [ "$_problem" = "$_last_problem" ] || log_invalid
      _last_problem=$_problem
    fi
    sleep "$RESYNC_INTERVAL" &
    SLEEP_PID=$!
    wait "$SLEEP_PID"
    SLEEP_PID=
  done
}

usage() {
  echo "usage: agent.sh [--once | --check | --uninstall | --validate | --help]"
}

if [ $# -gt 1 ]; then
  usage >&2
  exit 2
fi
case ${1:-} in
  --help | -h)
    usage
    exit 0
    ;;
  --validate)
    if read_desired; then
      log INFO "$CIDR_FILE is valid ($COUNT CIDRs)" rules "$COUNT"
      exit 0
    fi
    log_invalid
    exit 1
    ;;
  --once)
    detect_mode
    run_once
    exit $?
    ;;
  --check)
    detect_mode
    if read_desired && in_sync; then exit 0; fi
    echo "$CHAIN does not match $CIDR_FILE${ERROR_MSG:+ ($ERROR_MSG)}" >&2
    exit 1
    ;;
  --uninstall)
    detect_mode
    uninstall
    exit $?
    ;;
  '')
    case $RESYNC_INTERVAL in
      '' | *[!0-9]* | 0*)
        log ERROR "RESYNC_INTERVAL must be a whole number of seconds, 1-86400" value "$RESYNC_INTERVAL"
        exit 2
        ;;
    esac
    if [ "$RESYNC_INTERVAL" -gt 86400 ]; then
      log ERROR "RESYNC_INTERVAL must be a whole number of seconds, 1-86400" value "$RESYNC_INTERVAL"
      exit 2
    fi
    detect_mode
    run_loop
    ;;
  *)
    usage >&2
    exit 2
    ;;
esac
