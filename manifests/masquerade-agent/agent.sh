#!/bin/sh
# peerlink masquerade agent.
#
# Keeps the nat chain PEERLINK-MASQ equal to the CIDR list that peerlink writes into CIDR_FILE:
# one MASQUERADE rule per CIDR (a list of 10,000 or more goes on in PEERLINK-MASQ-1, -2, ...),
# reached from POSTROUTING by a single jump inserted first, ahead of the node's own masquerade
# rules: GKE's IP-MASQ jump today (its chain leaves RFC 1918 and the reserved ranges alone), or
# kubenet's "! -d 10.0.0.0/8 -j MASQUERADE" on nodes before Kubernetes 1.24. Traffic from pods to
# those CIDRs (peered VPC ranges inside what the node leaves unmasqueraded) then leaves with the
# node's address, which the peering accepts.
#
# Usage: agent.sh [--once | --check | --uninstall | --validate | --help]
#   (no flag)    loop: every RESYNC_INTERVAL seconds re-read CIDR_FILE and rewrite the chain when
#                the file changed or the chain drifted. SIGTERM leaves the rules in place, so a
#                rolling update never opens a gap.
#   --once       apply once; exit 0 only if the chain now matches the file.
#   --check      exit 0 only if the chain and the jump match the file (readiness probe).
#   --uninstall  remove the jump and the chains.
#   --validate   only validate CIDR_FILE (no iptables); exit 0 if every entry is valid.
#
# Environment:
#   CIDR_FILE        default /etc/peerlink/cidrs. One CIDR a line; blank lines and lines whose
#                    first non-blank character is '#' are ignored. Every entry must be a strict
#                    IPv4 CIDR: four octets 0-255 without leading zeros, prefix 0-32, no host bits.
#                    At most MAX_FILE_BYTES in all and MAX_LINE_BYTES a line (see below).
#   RESYNC_INTERVAL  seconds between resyncs in loop mode, 1-86400, default 10.
#   IPTABLES_MODE    nft | legacy: skip detection (tests); unset: detect like kube-proxy's
#                    iptables-wrapper (https://github.com/kubernetes-sigs/iptables-wrappers).
#
# Safety: nothing read from the file reaches iptables, or any command line, until it has matched
# CIDR_RE, the strict CIDR pattern (digits, dots and one slash). There is no eval, and globbing
# is off (set -f).
# Speed: the file is checked by a few grep passes and at most two loops over its entries, none
# of which grows a string, so a large file or a huge line costs about linear time.
# Portability: POSIX sh only (dash, busybox ash). Besides shell builtins it uses only grep, wc,
# sleep and the iptables binaries, all present in registry.k8s.io/build-image/distroless-iptables
# (which has no awk, sed or sort). It writes no files, so it runs on a read-only root filesystem.

set -f
# Bytes, not characters, for grep and the shell's patterns, whatever the node's locale.
LC_ALL=C
export LC_ALL

CHAIN=PEERLINK-MASQ
CIDR_FILE=${CIDR_FILE:-/etc/peerlink/cidrs}
RESYNC_INTERVAL=${RESYNC_INTERVAL:-10}
NL='
'
TAB=$(printf '\t')
CR=$(printf '\r')
WS=" $TAB$CR"
DEFAULT_IFS=" $TAB$NL"
BOM=$(printf '\357\273\277')

# Limits. peerlink writes one aggregated CIDR a line (at most 18 bytes) under a 70-byte header,
# a few KB even for large topologies, and a ConfigMap holds at most 1 MiB
# (https://kubernetes.io/docs/concepts/configuration/configmap/). 2 MiB is twice what any
# ConfigMap can carry and still holds 100,000 of the longest entries; 1024 bytes a line leaves
# room for any comment. Anything larger is not a CIDR list, and refusing it bounds the work.
MAX_FILE_BYTES=2097152
MAX_LINE_BYTES=1024

# --- logging: one JSON object a line, the form Cloud Logging parses (severity, message) -------

# escaped_bytes TEXT: prints TEXT for a JSON string: quote, backslash, newline, tab and CR
# escaped; any other byte outside printable ASCII as the text \xNN. Called in a command
# substitution, so that printf can give a byte's code without a fork per byte.
escaped_bytes() {
  _s=$1
  while [ -n "$_s" ]; do
    case $_s in
      '"'*) printf '\\"' ;;
      '\'*) printf '\\\\' ;;
      "$NL"*) printf '\\n' ;;
      "$TAB"*) printf '\\t' ;;
      "$CR"*) printf '\\r' ;;
      [\ -~]*) printf '%.1s' "$_s" ;;
      # "'X" makes printf print the code of the byte X (POSIX printf).
      *) printf '\\\\x%02X' "'$_s" ;;
    esac
    _s=${_s#?}
  done
}

# Sets ESC to $1 escaped for a JSON string (see escaped_bytes), cut after 500 bytes.
json_escape() {
  _e=$1
  _more=
  if [ ${#_e} -gt 500 ]; then
    _e=$(printf '%.500s' "$_e")
    _more=...
  fi
  case $_e in
    *[!\ -~]* | *[\"\\]*) ESC="$(escaped_bytes "$_e")$_more" ;;
    *) ESC=$_e$_more ;;
  esac
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

# cidr_re: sets CIDR_RE to an extended regular expression that matches exactly the CIDRs
# check_cidr accepts, host-bit rule included: for each prefix length, the octets inside the prefix
# take any value, the octet it cuts takes the multiples of its step, and the rest are 0. Built
# once at start (about 6 KB); grep then checks every line in one linear pass.
cidr_re() {
  _oct='(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
  CIDR_RE=
  _p=0
  while [ "$_p" -le 32 ]; do
    _alt=
    _i=0
    while [ "$_i" -lt 4 ]; do
      _b=$((_p - 8 * _i))
      [ "$_b" -lt 0 ] && _b=0
      [ "$_b" -gt 8 ] && _b=8
      case $_b in
        8) _o=$_oct ;;
        0) _o=0 ;;
        *)
          _step=$((1 << (8 - _b)))
          _o=0
          _v=$_step
          while [ "$_v" -lt 256 ]; do
            _o="$_o|$_v"
            _v=$((_v + _step))
          done
          _o="($_o)"
          ;;
      esac
      _alt="$_alt${_alt:+\.}$_o"
      _i=$((_i + 1))
    done
    CIDR_RE="$CIDR_RE${CIDR_RE:+|}$_alt/$_p"
    _p=$((_p + 1))
  done
  CIDR_RE="($CIDR_RE)"
}
cidr_re

# Patterns over whole lines (grep -x) or line starts. NP is a byte that is neither printable
# ASCII nor a blank the agent trims.
B="[$WS]*"
NP="[^[:print:]$TAB$CR]"
BLANK_OR_COMMENT_RE="$B(#.*)?"
# 1,025 bytes or more, written within POSIX's smallest RE_DUP_MAX (255).
LONG_RE='^(.{128}){8}.'
# An entry (first non-blank byte is not '#') holding an NP byte. grep sees a NUL, which the
# shell drops from what it reads.
NP_ENTRY_RE="^$B([^#$WS].*)?$NP"

# shown TEXT: sets SHOWN to TEXT as the log shows a value: cut after 64 bytes, a backslash
# doubled and any byte outside printable ASCII as \xNN, so no byte is lost or shown as '?'.
shown() {
  if [ ${#1} -gt 64 ]; then
    _s=$(printf '%.64s' "$1")
    _more=...
  else
    _s=$1
    _more=
  fi
  case $_s in
    *[!\ -~]* | *\\*) SHOWN="$(shown_bytes "$_s")$_more" ;;
    *) SHOWN=$_s$_more ;;
  esac
}

# shown_bytes TEXT: prints TEXT with a backslash doubled and other bytes outside printable ASCII
# as \xNN (run in a command substitution, like escaped_bytes).
shown_bytes() {
  _s=$1
  while [ -n "$_s" ]; do
    case $_s in
      '\'*) printf '\\\\' ;;
      [\ -~]*) printf '%.1s' "$_s" ;;
      *) printf '\\x%02X' "'$_s" ;;
    esac
    _s=${_s#?}
  done
}

# first_line TEXT: sets FIRST_NO and FIRST_TEXT from the first "N:text" line of grep -n output.
first_line() {
  _l=${1%%"$NL"*}
  FIRST_NO=${_l%%:*}
  FIRST_TEXT=${_l#*:}
}

# refuse NO TEXT FROM_NP: sets ERROR_* for line NO, whose text the shell read as TEXT (a NUL
# byte dropped). FROM_NP is 1 when grep found a byte outside printable ASCII in the line itself.
refuse() {
  ERROR_LINE=$1
  _at="$CIDR_FILE line $1"
  if [ ${#2} -gt "$MAX_LINE_BYTES" ]; then
    shown "$2"
    ERROR_VALUE=$SHOWN
    ERROR_MSG="$_at is ${#2} bytes long, more than the $MAX_LINE_BYTES bytes the agent accepts in a line; chain left unchanged"
    return
  fi
  _v=${2#"${2%%[!$WS]*}"}
  _v=${_v%"${_v##*[!$WS]}"}
  shown "$_v"
  ERROR_VALUE=$SHOWN
  case $_v in
    "$BOM"*)
      ERROR_MSG="$_at starts with a byte-order mark (U+FEFF); save the file as plain ASCII (UTF-8 without a byte-order mark); chain left unchanged"
      return
      ;;
    *[!\ -~$TAB$CR]*)
      ERROR_MSG="invalid entry at $_at: \"$SHOWN\": it holds bytes that are not printable ASCII (shown as \\xNN); chain left unchanged"
      return
      ;;
  esac
  if [ "$3" = 1 ]; then
    ERROR_MSG="$_at contains a NUL byte, which no CIDR holds (the value shown leaves it out); chain left unchanged"
  elif check_cidr "$_v"; then
    # Not reached while CIDR_RE and check_cidr agree; refuse anyway rather than apply.
    ERROR_MSG="invalid entry at $_at: \"$SHOWN\": not a strict IPv4 CIDR; chain left unchanged"
  else
    ERROR_MSG="invalid entry at $_at: \"$SHOWN\": $REASON; chain left unchanged"
  fi
}

# No "-m comment" on the rules: the chain's name says whose they are, and under iptables-nft a
# comment is an xtables match of 256 bytes a rule, which made writing and listing 100,000 rules
# about 1.5 times slower (measured here).
RULE_TAIL="-j MASQUERADE"

# Rules per chain. A list longer than this is split over chained chains: PEERLINK-MASQ holds
# entries 1-9,999, PEERLINK-MASQ-K entries K0000-K9999 (so a chain's entries are the numbers
# that one grep pattern picks), and each but the last ends with a jump to the next. A packet
# meets the same rules in the same order. The split is there for iptables-nft: listing a chain
# is one kernel dump of its rules, whose time grows faster than the chain (100,000 rules in one
# chain took 8 s here, ten chains of 10,000 took 1 s together).
CHAIN_RULES=10000
# More chains than a 2 MiB file can fill (at most about 210,000 entries): bounds every loop over
# the chains even when someone else made extra ones.
MAX_CHAINS=64

# chain_name K: sets NAME to the name of chain K (0 is PEERLINK-MASQ itself).
chain_name() {
  if [ "$1" -eq 0 ]; then NAME=$CHAIN; else NAME=$CHAIN-$1; fi
}

# all_cidrs: prints the CIDR of every line of ENTRIES with one printf (%.0s consumes each line
# number): for a list without duplicates.
all_cidrs() {
  IFS=": $TAB$CR$NL"
  # shellcheck disable=SC2086 # one field per line number and per CIDR
  printf '%.0s%s\n' $ENTRIES
}

# dup_lines PART: prints the line number of every CIDR in PART (lines "N:cidr" of ENTRIES) equal
# to one on an earlier line of PART. Called in a command substitution, so that its bitmaps vanish
# with it. A CIDR's key is its prefix length and network number (the address without host bits):
# one bit per network in a bitmap of 32 networks, held in a variable named after the bitmap's
# index and the prefix length (digits only, from arithmetic; no file text is evaluated).
dup_lines() {
  _out=
  _no=0
  IFS=": $TAB$CR$NL"
  for _f in $1; do
    case $_f in
      */*) ;;
      *)
        _ln=$_f
        continue
        ;;
    esac
    IFS=./
    # shellcheck disable=SC2086 # split on the dots and the slash
    set -- $_f
    _n=$(((($1 << 24) | ($2 << 16) | ($3 << 8) | $4) >> (32 - $5)))
    _w=_m$((_n >> 5))_$5
    _bit=$((1 << (_n & 31)))
    _old=$(($_w))
    if [ $((_old & _bit)) -eq 0 ]; then
      : $(($_w = _old | _bit))
      continue
    fi
    # 128 numbers to a printf, not one write each.
    _out="$_out$_ln$NL"
    _no=$((_no + 1))
    if [ "$_no" -ge 128 ]; then
      printf '%s' "$_out"
      _out=
      _no=0
    fi
  done
  printf '%s' "$_out"
}

# kept_cidrs DUPS: prints the CIDR of every line of ENTRIES in file order, except on the lines
# DUPS lists (a bitmap of line numbers again). CIDRs go out 128 to a printf, not one write each.
kept_cidrs() {
  IFS=$NL
  for _d in $1; do
    _w=_l$((_d >> 5))
    : $(($_w |= 1 << (_d & 31)))
  done
  _batch=
  _nb=0
  IFS=": $TAB$CR$NL"
  for _f in $ENTRIES; do
    case $_f in
      */*) ;;
      *)
        _ln=$_f
        continue
        ;;
    esac
    _w=_l$((_ln >> 5))
    [ $(($_w & (1 << (_ln & 31)))) -eq 0 ] || continue
    _batch="$_batch$_f$NL"
    _nb=$((_nb + 1))
    if [ "$_nb" -ge 128 ]; then
      printf '%s' "$_batch"
      _batch=
      _nb=0
    fi
  done
  printf '%s' "$_batch"
}

# chain_rules NAME PART: prints the rules of chain NAME for PART (lines "I:cidr"), as
# `iptables -S` prints them: one printf, except around the default route, which `iptables -S`
# prints without "-d 0.0.0.0/0" and which is therefore written so too.
chain_rules() {
  [ -n "$2" ] || return 0
  _name=$1
  IFS=": $TAB$CR$NL"
  case $2 in
    *:0.0.0.0/0*) ;;
    *)
      # shellcheck disable=SC2086 # one field per entry number and per CIDR
      printf -- "%.0s-A $_name -d %s $RULE_TAIL\n" $2
      return
      ;;
  esac
  _batch=
  for _f in $2; do
    case $_f in
      0.0.0.0/0)
        flush_rules
        printf '%s\n' "-A $_name $RULE_TAIL"
        ;;
      */*) _batch="$_batch$_f$NL" ;;
    esac
  done
  flush_rules
}

flush_rules() {
  [ -n "$_batch" ] || return 0
  IFS=$NL
  # shellcheck disable=SC2086 # one CIDR a line
  printf -- "-A $_name -d %s $RULE_TAIL\n" $_batch
  _batch=
}

# desired_rules CIDRS: sets DESIRED_RULES, COUNT and CHAINS from CIDRS (one a line, in order,
# no duplicates): the rules of every chain in chain order, each chain's as `iptables -S` lists
# them, jumps to the next chain included.
desired_rules() {
  _cidrs=$1
  IFS=$NL
  # shellcheck disable=SC2086 # one CIDR a line
  set -- $_cidrs
  COUNT=$#
  IFS=$DEFAULT_IFS
  CHAINS=$((COUNT / CHAIN_RULES + 1))
  DESIRED_RULES=
  [ "$COUNT" -gt 0 ] || return 0
  _numbered=$(printf '%s\n' "$_cidrs" | grep -n -e '')
  _cidrs=
  DESIRED_RULES=$(every_chain)
  _numbered=
}

# every_chain: prints the rules of every chain for _numbered (lines "I:cidr", I counting from
# 1). One command substitution takes it all, so that no string grows chain by chain.
every_chain() {
  _k=0
  while [ "$_k" -lt "$CHAINS" ]; do
    if [ "$CHAINS" -eq 1 ]; then
      _part=$_numbered
    elif [ "$_k" -eq 0 ]; then
      _part=$(printf '%s\n' "$_numbered" | grep -E -e '^[0-9]{1,4}:')
    else
      _part=$(printf '%s\n' "$_numbered" | grep -E -e "^$_k[0-9]{4}:")
    fi
    chain_name "$_k"
    chain_rules "$NAME" "$_part"
    _k=$((_k + 1))
    [ "$_k" -eq "$CHAINS" ] || printf '%s\n' "-A $NAME -j $CHAIN-$_k"
  done
}

# ascending: 0 if the CIDR fields of ENTRIES strictly ascend by address, then prefix length, and
# the first is not the default route: then no two are equal and they need no deduplication.
# peerlink writes its lists sorted this way; any other order goes through dup_lines.
ascending() {
  _prev=0
  IFS=": $TAB$CR$NL"
  for _f in $ENTRIES; do
    case $_f in
      */*) ;;
      *) continue ;;
    esac
    IFS=./
    # shellcheck disable=SC2086 # split on the dots and the slash
    set -- $_f
    _k=$((((($1 << 24) | ($2 << 16) | ($3 << 8) | $4) << 6) | $5))
    [ "$_k" -gt "$_prev" ] || return 1
    _prev=$_k
  done
  return 0
}

# read_desired: reads CIDR_FILE into DESIRED_RULES, COUNT and CHAINS (see desired_rules;
# duplicates dropped, the first kept). Refuses the file at its first bad line, or when it is too large: returns 1 with
# ERROR_MSG, ERROR_LINE and ERROR_VALUE. The file is read once for its content (ENTRIES, each
# line "N:text"); the other reads only look for reasons to refuse it.
read_desired() {
  DESIRED_RULES=
  COUNT=0
  CHAINS=1
  ERROR_MSG=
  ERROR_LINE=
  ERROR_VALUE=
  if [ ! -f "$CIDR_FILE" ] || [ ! -r "$CIDR_FILE" ]; then
    ERROR_MSG="cannot read CIDR file $CIDR_FILE"
    return 1
  fi
  if ! _bytes=$(wc -c <"$CIDR_FILE"); then
    ERROR_MSG="cannot read CIDR file $CIDR_FILE"
    return 1
  fi
  if [ $((_bytes)) -gt "$MAX_FILE_BYTES" ]; then
    _bytes=$((_bytes))
    ERROR_MSG="$CIDR_FILE is $_bytes bytes, more than the $MAX_FILE_BYTES bytes ($((MAX_FILE_BYTES >> 20)) MiB) the agent reads; chain left unchanged"
    return 1
  fi
  # grep -a: a NUL must not make grep take the file for binary and stop printing lines.
  _odd=$(grep -a -n -E -e "$LONG_RE" -e "$NP_ENTRY_RE" "$CIDR_FILE")
  [ $? -le 1 ] || _grep_failed=1
  ENTRIES=$(grep -a -n -v -x -E -e "$BLANK_OR_COMMENT_RE" "$CIDR_FILE")
  [ $? -le 1 ] || _grep_failed=1
  _invalid=
  if [ -n "$ENTRIES" ]; then
    _invalid=$(printf '%s\n' "$ENTRIES" | grep -a -v -x -E -e "[0-9]+:$B$CIDR_RE$B")
    [ $? -le 1 ] || _grep_failed=1
  fi
  if [ -n "${_grep_failed:-}" ]; then
    _grep_failed=
    ERROR_MSG="grep could not read $CIDR_FILE; chain left unchanged"
    return 1
  fi
  # The first bad line of either search; on a tie, _odd's, which saw the bytes themselves.
  if [ -n "$_odd$_invalid" ]; then
    _no=
    if [ -n "$_odd" ]; then
      first_line "$_odd"
      _no=$FIRST_NO
      _text=$FIRST_TEXT
      _np=1
    fi
    if [ -n "$_invalid" ]; then
      first_line "$_invalid"
      if [ -z "$_no" ] || [ "$FIRST_NO" -lt "$_no" ]; then
        _no=$FIRST_NO
        _text=$FIRST_TEXT
        _np=0
      fi
    fi
    refuse "$_no" "$_text" "$_np"
    return 1
  fi
  if [ -z "$ENTRIES" ]; then
    desired_rules ''
    return 0
  fi
  if ascending; then
    desired_rules "$(all_cidrs)"
    return 0
  fi
  # Equal CIDRs share their last non-zero digit before the slash, so each of the ten groups
  # that digit makes is deduplicated on its own: a tenth of the bitmaps each, as dash looks a
  # variable up in a list that grows with their number.
  _dups=
  for _d in 1 2 3 4 5 6 7 8 9 0; do
    if [ "$_d" = 0 ]; then _last='[0.]*'; else _last="[0-9.]*$_d[0.]*"; fi
    _part=$(printf '%s\n' "$ENTRIES" | grep -a -x -E -e "[0-9]+:$B$_last/[0-9]+$B")
    [ -z "$_part" ] || _dups="$_dups$(dup_lines "$_part")$NL"
  done
  _part=
  case $_dups in
    *[0-9]*) desired_rules "$(kept_cidrs "$_dups")" ;;
    *) desired_rules "$(all_cidrs)" ;;
  esac
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

# The jump as `iptables -S POSTROUTING` prints it (both back ends).
JUMP_RULE="-A POSTROUTING -m addrtype ! --dst-type LOCAL -j $CHAIN"

# jump_present: 0 if POSTROUTING holds the jump. It lists POSTROUTING alone and looks for the
# jump's line, rather than asking `-C`: for -C, iptables-nft fetches every rule of the nat table
# (a chain of 100,000 rules makes that seconds), for `-S POSTROUTING` only that chain's rules.
jump_present() {
  "$IPT" -w 5 -t nat -S POSTROUTING 2>/dev/null | grep -q -x -F -e "$JUMP_RULE"
}

# chain_present NAME: 0 if the nat table holds chain NAME.
chain_present() {
  "$IPT" -w 5 -t nat -S "$1" >/dev/null 2>&1
}

# read_state: one reading of what the agent owns. Sets FOUND_CHAINS (how many of PEERLINK-MASQ,
# PEERLINK-MASQ-1, ... exist, counted up to the first that does not), CURRENT_RULES (their rules
# in that order, as `iptables -S` prints them) and JUMP_FOUND (1 when POSTROUTING holds the
# jump). Reading the rules is the agent's largest cost, so they are read once per decision and
# once to verify, and POSTROUTING (a few rules) after them, so that the jump decision apply takes
# from it is fresh. One grep a chain rather than a read loop: appending line by line would copy
# the whole string again for every rule.
# iptables-nft: each listing names its chain, so that only that chain's rules are fetched, where
# `iptables-nft-save -t nat`, `-S` of the whole table and `-C` fetch every rule of the table,
# kube-proxy's included. iptables-legacy: the kernel hands over the whole table for any listing,
# so one `iptables-legacy-save -t nat` serves every chain.
read_state() {
  FOUND_CHAINS=0
  CURRENT_RULES=
  JUMP_FOUND=
  _table=
  _declared=
  if [ "$MODE" = legacy ]; then
    _table=$("$IPT-save" -t nat 2>/dev/null)
    _declared=$(printf '%s\n' "$_table" | grep -e "^:$CHAIN")
  fi
  while [ "$FOUND_CHAINS" -lt "$MAX_CHAINS" ]; do
    chain_name "$FOUND_CHAINS"
    if [ "$MODE" = legacy ]; then
      case "$NL$_declared$NL" in
        *"$NL:$NAME "*) ;;
        *) break ;;
      esac
      _listing=$_table
    else
      _listing=$("$IPT" -w 5 -t nat -S "$NAME" 2>/dev/null) || break
    fi
    FOUND_CHAINS=$((FOUND_CHAINS + 1))
    _rules=$(printf '%s\n' "$_listing" | grep -e "^-A $NAME ")
    CURRENT_RULES="$CURRENT_RULES${CURRENT_RULES:+${_rules:+$NL}}$_rules"
  done
  _table=
  _listing=
  _rules=
  if jump_present; then JUMP_FOUND=1; fi
  return 0
}

# in_sync: reads the state (read_state); 0 if the chains are exactly those DESIRED_RULES fills,
# they hold exactly DESIRED_RULES, in order, and the jump exists.
in_sync() {
  read_state
  [ "$FOUND_CHAINS" -eq "$CHAINS" ] && [ "$CURRENT_RULES" = "$DESIRED_RULES" ] && [ -n "$JUMP_FOUND" ]
}

# apply: one iptables-restore call, after in_sync found the chains out of date. Declaring
# ":PEERLINK-MASQ - [0:0]" under --noflush creates the chain or empties it, and touches no other
# chain; the whole block commits atomically. Chains the list no longer fills are declared (so
# emptied) and then deleted in the same block. The jump goes into it too when that in_sync's
# reading did not find it. Then one more reading verifies the result.
apply() {
  _payload="*nat$NL"
  _k=0
  while [ "$_k" -lt "$CHAINS" ] || [ "$_k" -lt "$FOUND_CHAINS" ]; do
    chain_name "$_k"
    _payload="$_payload:$NAME - [0:0]$NL"
    _k=$((_k + 1))
  done
  _payload="$_payload$DESIRED_RULES${DESIRED_RULES:+$NL}"
  _k=$CHAINS
  while [ "$_k" -lt "$FOUND_CHAINS" ]; do
    chain_name "$_k"
    _payload="$_payload-X $NAME$NL"
    _k=$((_k + 1))
  done
  _jump=present
  if [ -z "$JUMP_FOUND" ]; then
    _payload="$_payload-I POSTROUTING 1 -m addrtype ! --dst-type LOCAL -j $CHAIN$NL"
    _jump=inserted
  fi
  _payload="${_payload}COMMIT$NL"
  if ! _err=$(printf '%s' "$_payload" | "$RESTORE" -w 5 --noflush 2>&1); then
    log ERROR "iptables-restore failed; chain left as it was" mode "$MODE" output "$_err"
    return 1
  fi
  _payload=
  if ! in_sync; then
    log ERROR "chain does not match the file after iptables-restore" mode "$MODE"
    return 1
  fi
  _to=$CHAIN
  [ "$CHAINS" -eq 1 ] || _to="$CHAINS chains ($CHAIN to $CHAIN-$((CHAINS - 1)))"
  log INFO "applied $COUNT rules to $_to with one iptables-restore call" \
    mode "$MODE" rules "$COUNT" chains "$CHAINS" jump "$_jump" file "$CIDR_FILE"
  return 0
}

uninstall() {
  # Every chain is emptied first (-F fails for a chain that does not exist, which ends the
  # count): iptables-nft fetches every rule of the nat table for -D, and a chain's own for -S,
  # which for large chains costs seconds a call. Traffic sees no difference: a jump to an empty
  # chain returns at once.
  _n=0
  while [ "$_n" -lt "$MAX_CHAINS" ]; do
    chain_name "$_n"
    "$IPT" -w 5 -t nat -F "$NAME" 2>/dev/null || break
    _n=$((_n + 1))
  done
  _i=0
  while jump_present && [ "$_i" -lt 100 ]; do
    "$IPT" -w 5 -t nat -D POSTROUTING -m addrtype ! --dst-type LOCAL -j "$CHAIN" || break
    _i=$((_i + 1))
  done
  # Emptied, the chains no longer jump to each other, so any order deletes them.
  _k=0
  while [ "$_k" -lt "$_n" ]; do
    chain_name "$_k"
    "$IPT" -w 5 -t nat -X "$NAME"
    _k=$((_k + 1))
  done
  if jump_present || chain_present "$CHAIN" || chain_present "$CHAIN-1"; then
    log ERROR "could not remove $CHAIN or its jump" mode "$MODE"
    return 1
  fi
  log INFO "removed $CHAIN and its jump from POSTROUTING" mode "$MODE" jumps_removed "$_i" chains_removed "$_n"
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
    printf '%s\n' "$CHAIN does not match $CIDR_FILE${ERROR_MSG:+ ($ERROR_MSG)}" >&2
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
