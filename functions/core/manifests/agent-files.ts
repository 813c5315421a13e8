// Generated from manifests/masquerade-agent/agent.sh and daemonset.yaml by
// manifests/generate.ts; do not edit. Regenerate with: node manifests/generate.ts
import type { AgentFiles } from './agent.ts';

export const AGENT_FILES: AgentFiles = {
  "script": "#!/bin/sh\n# peerlink masquerade agent.\n#\n# Keeps the nat chain PEERLINK-MASQ equal to the CIDR list that peerlink writes into CIDR_FILE:\n# one MASQUERADE rule per CIDR, reached from POSTROUTING by a single jump that sits ahead of\n# kubenet's \"! -d 10.0.0.0/8 -j MASQUERADE\" rule. Traffic from pods to those CIDRs (peered VPC\n# ranges inside 10.0.0.0/8) then leaves with the node's address, which the peering accepts.\n#\n# Usage: agent.sh [--once | --check | --uninstall | --validate | --help]\n#   (no flag)    loop: every RESYNC_INTERVAL seconds re-read CIDR_FILE and rewrite the chain when\n#                the file changed or the chain drifted. SIGTERM leaves the rules in place, so a\n#                rolling update never opens a gap.\n#   --once       apply once; exit 0 only if the chain now matches the file.\n#   --check      exit 0 only if the chain and the jump match the file (readiness probe).\n#   --uninstall  remove the jump and the chain.\n#   --validate   only validate CIDR_FILE (no iptables); exit 0 if every entry is valid.\n#\n# Environment:\n#   CIDR_FILE        default /etc/peerlink/cidrs. One CIDR a line; blank lines and lines whose\n#                    first non-blank character is '#' are ignored. Every entry must be a strict\n#                    IPv4 CIDR: four octets 0-255 without leading zeros, prefix 0-32, no host bits.\n#                    At most MAX_FILE_BYTES in all and MAX_LINE_BYTES a line (see below).\n#   RESYNC_INTERVAL  seconds between resyncs in loop mode, 1-86400, default 10.\n#   IPTABLES_MODE    nft | legacy: skip detection (tests); unset: detect like kube-proxy's\n#                    iptables-wrapper (https://github.com/kubernetes-sigs/iptables-wrappers).\n#\n# Safety: nothing read from the file reaches iptables, or any command line, until it has matched\n# CIDR_RE, the strict CIDR pattern (digits, dots and one slash). There is no eval, and globbing\n# is off (set -f).\n# Speed: the file is checked by a few grep passes and at most two loops over its entries, none\n# of which grows a string, so a large file or a huge line costs about linear time.\n# Portability: POSIX sh only (dash, busybox ash). Besides shell builtins it uses only grep, wc,\n# sleep and the iptables binaries, all present in registry.k8s.io/build-image/distroless-iptables\n# (which has no awk, sed or sort). It writes no files, so it runs on a read-only root filesystem.\n\nset -f\n# Bytes, not characters, for grep and the shell's patterns, whatever the node's locale.\nLC_ALL=C\nexport LC_ALL\n\nCHAIN=PEERLINK-MASQ\nCOMMENT=peerlink\nCIDR_FILE=${CIDR_FILE:-/etc/peerlink/cidrs}\nRESYNC_INTERVAL=${RESYNC_INTERVAL:-10}\nNL='\n'\nTAB=$(printf '\\t')\nCR=$(printf '\\r')\nWS=\" $TAB$CR\"\nDEFAULT_IFS=\" $TAB$NL\"\nBOM=$(printf '\\357\\273\\277')\n\n# Limits. peerlink writes one aggregated CIDR a line (at most 18 bytes) under a 70-byte header,\n# a few KB even for large topologies, and a ConfigMap holds at most 1 MiB\n# (https://kubernetes.io/docs/concepts/configuration/configmap/). 2 MiB is twice what any\n# ConfigMap can carry and still holds 100,000 of the longest entries; 1024 bytes a line leaves\n# room for any comment. Anything larger is not a CIDR list, and refusing it bounds the work.\nMAX_FILE_BYTES=2097152\nMAX_LINE_BYTES=1024\n\n# --- logging: one JSON object a line, the form Cloud Logging parses (severity, message) -------\n\n# escaped_bytes TEXT: prints TEXT for a JSON string: quote, backslash, newline, tab and CR\n# escaped; any other byte outside printable ASCII as the text \\xNN. Called in a command\n# substitution, so that printf can give a byte's code without a fork per byte.\nescaped_bytes() {\n  _s=$1\n  while [ -n \"$_s\" ]; do\n    case $_s in\n      '\"'*) printf '\\\\\"' ;;\n      '\\'*) printf '\\\\\\\\' ;;\n      \"$NL\"*) printf '\\\\n' ;;\n      \"$TAB\"*) printf '\\\\t' ;;\n      \"$CR\"*) printf '\\\\r' ;;\n      [\\ -~]*) printf '%.1s' \"$_s\" ;;\n      # \"'X\" makes printf print the code of the byte X (POSIX printf).\n      *) printf '\\\\\\\\x%02X' \"'$_s\" ;;\n    esac\n    _s=${_s#?}\n  done\n}\n\n# Sets ESC to $1 escaped for a JSON string (see escaped_bytes), cut after 500 bytes.\njson_escape() {\n  _e=$1\n  _more=\n  if [ ${#_e} -gt 500 ]; then\n    _e=$(printf '%.500s' \"$_e\")\n    _more=...\n  fi\n  case $_e in\n    *[!\\ -~]* | *[\\\"\\\\]*) ESC=\"$(escaped_bytes \"$_e\")$_more\" ;;\n    *) ESC=$_e$_more ;;\n  esac\n}\n\n# log SEVERITY MESSAGE [KEY VALUE]...  INFO goes to stdout, everything else to stderr.\nlog() {\n  _sev=$1\n  json_escape \"$2\"\n  _out=\"{\\\"severity\\\":\\\"$_sev\\\",\\\"component\\\":\\\"peerlink-masquerade-agent\\\",\\\"message\\\":\\\"$ESC\\\"\"\n  shift 2\n  while [ $# -ge 2 ]; do\n    json_escape \"$2\"\n    _out=\"$_out,\\\"$1\\\":\\\"$ESC\\\"\"\n    shift 2\n  done\n  if [ \"$_sev\" = INFO ]; then\n    printf '%s}\\n' \"$_out\"\n  else\n    printf '%s}\\n' \"$_out\" >&2\n  fi\n}\n\n# --- validation ---------------------------------------------------------------------------------\n\n# dec_ok TEXT MAX: TEXT is a decimal number 0..MAX without leading zeros (at most 3 digits).\ndec_ok() {\n  case $1 in\n    '' | *[!0-9]* | 0?*) return 1 ;;\n  esac\n  [ ${#1} -le 3 ] && [ \"$1\" -le \"$2\" ]\n}\n\n# check_cidr TEXT: 0 if TEXT is a strict IPv4 CIDR with no host bits set; else REASON says why.\ncheck_cidr() {\n  _v=$1\n  REASON=\n  case $_v in\n    *[!0-9./]*)\n      REASON='only digits, dots and one slash are allowed'\n      return 1\n      ;;\n    */*/*)\n      REASON='more than one slash'\n      return 1\n      ;;\n    */*) ;;\n    *)\n      REASON='missing /prefix length'\n      return 1\n      ;;\n  esac\n  _addr=${_v%/*}\n  _plen=${_v#*/}\n  if ! dec_ok \"$_plen\" 32; then\n    REASON='prefix length must be 0-32 without leading zeros'\n    return 1\n  fi\n  case $_addr in\n    *.*.*.*.*)\n      REASON='address must have exactly four octets'\n      return 1\n      ;;\n    *.*.*.*) ;;\n    *)\n      REASON='address must have exactly four octets'\n      return 1\n      ;;\n  esac\n  _o1=${_addr%%.*}\n  _r=${_addr#*.}\n  _o2=${_r%%.*}\n  _r=${_r#*.}\n  _o3=${_r%%.*}\n  _o4=${_r#*.}\n  for _o in \"$_o1\" \"$_o2\" \"$_o3\" \"$_o4\"; do\n    if ! dec_ok \"$_o\" 255; then\n      REASON='each octet must be 0-255 without leading zeros'\n      return 1\n    fi\n  done\n  # Host bits, one octet at a time so the arithmetic never needs more than 8 bits.\n  _net=\n  _bad=\n  _i=0\n  for _o in \"$_o1\" \"$_o2\" \"$_o3\" \"$_o4\"; do\n    _b=$((_plen - 8 * _i))\n    [ \"$_b\" -lt 0 ] && _b=0\n    [ \"$_b\" -gt 8 ] && _b=8\n    _m=$(((1 << (8 - _b)) - 1))\n    [ $((_o & _m)) -eq 0 ] || _bad=1\n    _net=\"$_net${_net:+.}$((_o & (255 - _m)))\"\n    _i=$((_i + 1))\n  done\n  if [ -n \"$_bad\" ]; then\n    REASON=\"host bits set (the network is $_net/$_plen)\"\n    return 1\n  fi\n  return 0\n}\n\n# cidr_re: sets CIDR_RE to an extended regular expression that matches exactly the CIDRs\n# check_cidr accepts, host-bit rule included: for each prefix length, the octets inside the prefix\n# take any value, the octet it cuts takes the multiples of its step, and the rest are 0. Built\n# once at start (about 6 KB); grep then checks every line in one linear pass.\ncidr_re() {\n  _oct='(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'\n  CIDR_RE=\n  _p=0\n  while [ \"$_p\" -le 32 ]; do\n    _alt=\n    _i=0\n    while [ \"$_i\" -lt 4 ]; do\n      _b=$((_p - 8 * _i))\n      [ \"$_b\" -lt 0 ] && _b=0\n      [ \"$_b\" -gt 8 ] && _b=8\n      case $_b in\n        8) _o=$_oct ;;\n        0) _o=0 ;;\n        *)\n          _step=$((1 << (8 - _b)))\n          _o=0\n          _v=$_step\n          while [ \"$_v\" -lt 256 ]; do\n            _o=\"$_o|$_v\"\n            _v=$((_v + _step))\n          done\n          _o=\"($_o)\"\n          ;;\n      esac\n      _alt=\"$_alt${_alt:+\\.}$_o\"\n      _i=$((_i + 1))\n    done\n    CIDR_RE=\"$CIDR_RE${CIDR_RE:+|}$_alt/$_p\"\n    _p=$((_p + 1))\n  done\n  CIDR_RE=\"($CIDR_RE)\"\n}\ncidr_re\n\n# Patterns over whole lines (grep -x) or line starts. NP is a byte that is neither printable\n# ASCII nor a blank the agent trims.\nB=\"[$WS]*\"\nNP=\"[^[:print:]$TAB$CR]\"\nBLANK_OR_COMMENT_RE=\"$B(#.*)?\"\n# 1,025 bytes or more, written within POSIX's smallest RE_DUP_MAX (255).\nLONG_RE='^(.{128}){8}.'\n# An entry (first non-blank byte is not '#') holding an NP byte. grep sees a NUL, which the\n# shell drops from what it reads.\nNP_ENTRY_RE=\"^$B([^#$WS].*)?$NP\"\n\n# shown TEXT: sets SHOWN to TEXT as the log shows a value: cut after 64 bytes, a backslash\n# doubled and any byte outside printable ASCII as \\xNN, so no byte is lost or shown as '?'.\nshown() {\n  if [ ${#1} -gt 64 ]; then\n    _s=$(printf '%.64s' \"$1\")\n    _more=...\n  else\n    _s=$1\n    _more=\n  fi\n  case $_s in\n    *[!\\ -~]* | *\\\\*) SHOWN=\"$(shown_bytes \"$_s\")$_more\" ;;\n    *) SHOWN=$_s$_more ;;\n  esac\n}\n\n# shown_bytes TEXT: prints TEXT with a backslash doubled and other bytes outside printable ASCII\n# as \\xNN (run in a command substitution, like escaped_bytes).\nshown_bytes() {\n  _s=$1\n  while [ -n \"$_s\" ]; do\n    case $_s in\n      '\\'*) printf '\\\\\\\\' ;;\n      [\\ -~]*) printf '%.1s' \"$_s\" ;;\n      *) printf '\\\\x%02X' \"'$_s\" ;;\n    esac\n    _s=${_s#?}\n  done\n}\n\n# first_line TEXT: sets FIRST_NO and FIRST_TEXT from the first \"N:text\" line of grep -n output.\nfirst_line() {\n  _l=${1%%\"$NL\"*}\n  FIRST_NO=${_l%%:*}\n  FIRST_TEXT=${_l#*:}\n}\n\n# refuse NO TEXT FROM_NP: sets ERROR_* for line NO, whose text the shell read as TEXT (a NUL\n# byte dropped). FROM_NP is 1 when grep found a byte outside printable ASCII in the line itself.\nrefuse() {\n  ERROR_LINE=$1\n  _at=\"$CIDR_FILE line $1\"\n  if [ ${#2} -gt \"$MAX_LINE_BYTES\" ]; then\n    shown \"$2\"\n    ERROR_VALUE=$SHOWN\n    ERROR_MSG=\"$_at is ${#2} bytes long, more than the $MAX_LINE_BYTES bytes the agent accepts in a line; chain left unchanged\"\n    return\n  fi\n  _v=${2#\"${2%%[!$WS]*}\"}\n  _v=${_v%\"${_v##*[!$WS]}\"}\n  shown \"$_v\"\n  ERROR_VALUE=$SHOWN\n  case $_v in\n    \"$BOM\"*)\n      ERROR_MSG=\"$_at starts with a byte-order mark (U+FEFF); save the file as plain ASCII (UTF-8 without a byte-order mark); chain left unchanged\"\n      return\n      ;;\n    *[!\\ -~$TAB$CR]*)\n      ERROR_MSG=\"invalid entry at $_at: \\\"$SHOWN\\\": it holds bytes that are not printable ASCII (shown as \\\\xNN); chain left unchanged\"\n      return\n      ;;\n  esac\n  if [ \"$3\" = 1 ]; then\n    ERROR_MSG=\"$_at contains a NUL byte, which no CIDR holds (the value shown leaves it out); chain left unchanged\"\n  elif check_cidr \"$_v\"; then\n    # Not reached while CIDR_RE and check_cidr agree; refuse anyway rather than apply.\n    ERROR_MSG=\"invalid entry at $_at: \\\"$SHOWN\\\": not a strict IPv4 CIDR; chain left unchanged\"\n  else\n    ERROR_MSG=\"invalid entry at $_at: \\\"$SHOWN\\\": $REASON; chain left unchanged\"\n  fi\n}\n\nRULE_TAIL=\"-m comment --comment $COMMENT -j MASQUERADE\"\n\n# all_rules: prints the rule of every CIDR of ENTRIES with one printf (%.0s consumes each line\n# number): for a list without duplicates and without the default route.\nall_rules() {\n  IFS=\": $TAB$CR$NL\"\n  # shellcheck disable=SC2086 # one field per line number and per CIDR\n  printf \"%.0s-A $CHAIN -d %s $RULE_TAIL\\n\" $ENTRIES\n}\n\n# dup_lines PART: prints the line number of every CIDR in PART (lines \"N:cidr\" of ENTRIES) equal\n# to one on an earlier line of PART. Called in a command substitution, so that its bitmaps vanish\n# with it. A CIDR's key is its prefix length and network number (the address without host bits):\n# one bit per network in a bitmap of 32 networks, held in a variable named after the bitmap's\n# index and the prefix length (digits only, from arithmetic; no file text is evaluated).\ndup_lines() {\n  _out=\n  _no=0\n  IFS=\": $TAB$CR$NL\"\n  for _f in $1; do\n    case $_f in\n      */*) ;;\n      *)\n        _ln=$_f\n        continue\n        ;;\n    esac\n    IFS=./\n    # shellcheck disable=SC2086 # split on the dots and the slash\n    set -- $_f\n    _n=$(((($1 << 24) | ($2 << 16) | ($3 << 8) | $4) >> (32 - $5)))\n    _w=_m$((_n >> 5))_$5\n    _bit=$((1 << (_n & 31)))\n    _old=$(($_w))\n    if [ $((_old & _bit)) -eq 0 ]; then\n      : $(($_w = _old | _bit))\n      continue\n    fi\n    # 128 numbers to a printf, not one write each.\n    _out=\"$_out$_ln$NL\"\n    _no=$((_no + 1))\n    if [ \"$_no\" -ge 128 ]; then\n      printf '%s' \"$_out\"\n      _out=\n      _no=0\n    fi\n  done\n  printf '%s' \"$_out\"\n}\n\n# kept_rules DUPS: prints the rule of every CIDR of ENTRIES in file order, except on the lines\n# DUPS lists (a bitmap of line numbers again). Rules go out 128 to a printf, not one write each.\n# `iptables -S` prints the default route without \"-d 0.0.0.0/0\", so its rule is written so too.\nkept_rules() {\n  IFS=$NL\n  for _d in $1; do\n    _w=_l$((_d >> 5))\n    : $(($_w |= 1 << (_d & 31)))\n  done\n  _batch=\n  _nb=0\n  IFS=\": $TAB$CR$NL\"\n  for _f in $ENTRIES; do\n    case $_f in\n      */*) ;;\n      *)\n        _ln=$_f\n        continue\n        ;;\n    esac\n    _w=_l$((_ln >> 5))\n    [ $(($_w & (1 << (_ln & 31)))) -eq 0 ] || continue\n    if [ \"$_f\" = 0.0.0.0/0 ]; then\n      flush_rules\n      printf '%s\\n' \"-A $CHAIN $RULE_TAIL\"\n      continue\n    fi\n    _batch=\"$_batch$_f$NL\"\n    _nb=$((_nb + 1))\n    [ \"$_nb\" -lt 128 ] || flush_rules\n  done\n  flush_rules\n}\n\nflush_rules() {\n  [ -n \"$_batch\" ] || return 0\n  IFS=$NL\n  # shellcheck disable=SC2086 # one CIDR a line\n  printf -- \"-A $CHAIN -d %s $RULE_TAIL\\n\" $_batch\n  _batch=\n  _nb=0\n}\n\n# ascending: 0 if the CIDR fields of ENTRIES strictly ascend by address, then prefix length, and\n# the first is not the default route: then no two are equal and one printf writes every rule.\n# peerlink writes its lists sorted this way; any other order goes through dup_lines.\nascending() {\n  _prev=0\n  IFS=\": $TAB$CR$NL\"\n  for _f in $ENTRIES; do\n    case $_f in\n      */*) ;;\n      *) continue ;;\n    esac\n    IFS=./\n    # shellcheck disable=SC2086 # split on the dots and the slash\n    set -- $_f\n    _k=$((((($1 << 24) | ($2 << 16) | ($3 << 8) | $4) << 6) | $5))\n    [ \"$_k\" -gt \"$_prev\" ] || return 1\n    _prev=$_k\n  done\n  return 0\n}\n\n# read_desired: reads CIDR_FILE into DESIRED_RULES (one rule a line, duplicates dropped) and\n# COUNT. Refuses the file at its first bad line, or when it is too large: returns 1 with\n# ERROR_MSG, ERROR_LINE and ERROR_VALUE. The file is read once for its content (ENTRIES, each\n# line \"N:text\"); the other reads only look for reasons to refuse it.\nread_desired() {\n  DESIRED_RULES=\n  COUNT=0\n  ERROR_MSG=\n  ERROR_LINE=\n  ERROR_VALUE=\n  if [ ! -f \"$CIDR_FILE\" ] || [ ! -r \"$CIDR_FILE\" ]; then\n    ERROR_MSG=\"cannot read CIDR file $CIDR_FILE\"\n    return 1\n  fi\n  if ! _bytes=$(wc -c <\"$CIDR_FILE\"); then\n    ERROR_MSG=\"cannot read CIDR file $CIDR_FILE\"\n    return 1\n  fi\n  if [ $((_bytes)) -gt \"$MAX_FILE_BYTES\" ]; then\n    _bytes=$((_bytes))\n    ERROR_MSG=\"$CIDR_FILE is $_bytes bytes, more than the $MAX_FILE_BYTES bytes ($((MAX_FILE_BYTES >> 20)) MiB) the agent reads; chain left unchanged\"\n    return 1\n  fi\n  # grep -a: a NUL must not make grep take the file for binary and stop printing lines.\n  _odd=$(grep -a -n -E -e \"$LONG_RE\" -e \"$NP_ENTRY_RE\" \"$CIDR_FILE\")\n  [ $? -le 1 ] || _grep_failed=1\n  ENTRIES=$(grep -a -n -v -x -E -e \"$BLANK_OR_COMMENT_RE\" \"$CIDR_FILE\")\n  [ $? -le 1 ] || _grep_failed=1\n  _invalid=\n  if [ -n \"$ENTRIES\" ]; then\n    _invalid=$(printf '%s\\n' \"$ENTRIES\" | grep -a -v -x -E -e \"[0-9]+:$B$CIDR_RE$B\")\n    [ $? -le 1 ] || _grep_failed=1\n  fi\n  if [ -n \"${_grep_failed:-}\" ]; then\n    _grep_failed=\n    ERROR_MSG=\"grep could not read $CIDR_FILE; chain left unchanged\"\n    return 1\n  fi\n  # The first bad line of either search; on a tie, _odd's, which saw the bytes themselves.\n  if [ -n \"$_odd$_invalid\" ]; then\n    _no=\n    if [ -n \"$_odd\" ]; then\n      first_line \"$_odd\"\n      _no=$FIRST_NO\n      _text=$FIRST_TEXT\n      _np=1\n    fi\n    if [ -n \"$_invalid\" ]; then\n      first_line \"$_invalid\"\n      if [ -z \"$_no\" ] || [ \"$FIRST_NO\" -lt \"$_no\" ]; then\n        _no=$FIRST_NO\n        _text=$FIRST_TEXT\n        _np=0\n      fi\n    fi\n    refuse \"$_no\" \"$_text\" \"$_np\"\n    return 1\n  fi\n  [ -n \"$ENTRIES\" ] || return 0\n  if ascending; then\n    DESIRED_RULES=$(all_rules)\n  else\n    # Equal CIDRs share their last non-zero digit before the slash, so each of the ten groups\n    # that digit makes is deduplicated on its own: a tenth of the bitmaps each, as dash looks a\n    # variable up in a list that grows with their number.\n    _dups=\n    for _d in 1 2 3 4 5 6 7 8 9 0; do\n      if [ \"$_d\" = 0 ]; then _last='[0.]*'; else _last=\"[0-9.]*$_d[0.]*\"; fi\n      _part=$(printf '%s\\n' \"$ENTRIES\" | grep -a -x -E -e \"[0-9]+:$B$_last/[0-9]+$B\")\n      [ -z \"$_part\" ] || _dups=\"$_dups$(dup_lines \"$_part\")$NL\"\n    done\n    # all_rules, unless there is a line to drop or the default route to write its own way.\n    _plain=1\n    case $_dups in *[0-9]*) _plain= ;; esac\n    case $ENTRIES in *[:$WS]0.0.0.0/0*) _plain= ;; esac\n    if [ -n \"$_plain\" ]; then\n      DESIRED_RULES=$(all_rules)\n    else\n      DESIRED_RULES=$(kept_rules \"$_dups\")\n    fi\n  fi\n  IFS=$NL\n  # shellcheck disable=SC2086 # one field per rule\n  set -- $DESIRED_RULES\n  COUNT=$#\n  IFS=$DEFAULT_IFS\n  return 0\n}\n\n# --- iptables -----------------------------------------------------------------------------------\n\n# detect_mode: sets MODE (nft|legacy), IPT and RESTORE. Same decision as kube-proxy's\n# iptables-wrapper: kubelet's hint chains in nft, then in legacy; otherwise whichever back end\n# holds more rules, nft on a tie.\ndetect_mode() {\n  case ${IPTABLES_MODE:-} in\n    nft | legacy)\n      MODE=$IPTABLES_MODE\n      MODE_SOURCE=IPTABLES_MODE\n      ;;\n    '')\n      MODE_SOURCE=detected\n      _hint='^:(KUBE-IPTABLES-HINT|KUBE-KUBELET-CANARY)'\n      if { iptables-nft-save -t mangle; ip6tables-nft-save -t mangle; } 2>/dev/null | grep -Eq \"$_hint\"; then\n        MODE=nft\n      # No \"-t mangle\" for legacy: it would make the kernel create that table.\n      elif { iptables-legacy-save; ip6tables-legacy-save; } 2>/dev/null | grep -Eq \"$_hint\"; then\n        MODE=legacy\n      else\n        _legacy=$({ iptables-legacy-save; ip6tables-legacy-save; } 2>/dev/null | grep -c '^-')\n        _nft=$({ iptables-nft-save; ip6tables-nft-save; } 2>/dev/null | grep -c '^-')\n        if [ \"${_legacy:-0}\" -gt \"${_nft:-0}\" ]; then MODE=legacy; else MODE=nft; fi\n      fi\n      ;;\n    *)\n      log ERROR \"IPTABLES_MODE must be nft or legacy\" value \"$IPTABLES_MODE\"\n      exit 2\n      ;;\n  esac\n  IPT=iptables-$MODE\n  RESTORE=iptables-$MODE-restore\n}\n\n# The jump as `iptables -S POSTROUTING` prints it (both back ends).\nJUMP_RULE=\"-A POSTROUTING -m addrtype ! --dst-type LOCAL -j $CHAIN\"\n\n# jump_present: 0 if POSTROUTING holds the jump. It lists POSTROUTING alone and looks for the\n# jump's line, rather than asking `-C`: for -C, iptables-nft fetches every rule of the nat table\n# (a chain of 100,000 rules makes that seconds), for `-S POSTROUTING` only that chain's rules.\njump_present() {\n  \"$IPT\" -w 5 -t nat -S POSTROUTING 2>/dev/null | grep -q -x -F -e \"$JUMP_RULE\"\n}\n\nchain_present() {\n  \"$IPT\" -w 5 -t nat -S \"$CHAIN\" >/dev/null 2>&1\n}\n\n# read_state: one reading of what the agent owns. Sets CHAIN_FOUND (1 when the chain exists),\n# CURRENT_RULES (its rules as `iptables -S` prints them) and JUMP_FOUND (1 when POSTROUTING holds\n# the jump). Each listing names its chain: iptables-nft then fetches only that chain's rules,\n# where `iptables-nft-save -t nat`, `-S` of the whole table and `-C` fetch every rule of the\n# table, kube-proxy's included. Fetching a chain's rules is the agent's largest cost under nft:\n# the kernel walks the chain from its first rule for each 32 KB message of the dump, which for\n# 100,000 rules is seconds. So the chain is read once per decision and once to verify, and\n# POSTROUTING (a few rules) after it, so that the jump decision apply takes from it is fresh.\n# One grep rather than a read loop: appending line by line would copy the whole string again for\n# every rule.\nread_state() {\n  CHAIN_FOUND=\n  CURRENT_RULES=\n  JUMP_FOUND=\n  if _listing=$(\"$IPT\" -w 5 -t nat -S \"$CHAIN\" 2>/dev/null); then\n    CHAIN_FOUND=1\n    CURRENT_RULES=$(printf '%s\\n' \"$_listing\" | grep -e \"^-A $CHAIN \")\n  fi\n  _listing=\n  if jump_present; then JUMP_FOUND=1; fi\n  return 0\n}\n\n# in_sync: reads the state (read_state); 0 if the chain holds exactly DESIRED_RULES, in order,\n# and the jump exists.\nin_sync() {\n  read_state\n  [ -n \"$CHAIN_FOUND\" ] && [ \"$CURRENT_RULES\" = \"$DESIRED_RULES\" ] && [ -n \"$JUMP_FOUND\" ]\n}\n\n# apply: one iptables-restore call, after in_sync found the chain out of date. Declaring\n# \":PEERLINK-MASQ - [0:0]\" under --noflush creates the chain or empties it, and touches no other\n# chain; the whole block commits atomically. The jump goes into the same block when that\n# in_sync's reading did not find it. Then one more reading verifies the result.\napply() {\n  _payload=\"*nat$NL:$CHAIN - [0:0]$NL$DESIRED_RULES${DESIRED_RULES:+$NL}\"\n  _jump=present\n  if [ -z \"$JUMP_FOUND\" ]; then\n    _payload=\"$_payload-I POSTROUTING 1 -m addrtype ! --dst-type LOCAL -j $CHAIN$NL\"\n    _jump=inserted\n  fi\n  _payload=\"${_payload}COMMIT$NL\"\n  if ! _err=$(printf '%s' \"$_payload\" | \"$RESTORE\" -w 5 --noflush 2>&1); then\n    log ERROR \"iptables-restore failed; chain left as it was\" mode \"$MODE\" output \"$_err\"\n    return 1\n  fi\n  _payload=\n  if ! in_sync; then\n    log ERROR \"chain does not match the file after iptables-restore\" mode \"$MODE\"\n    return 1\n  fi\n  log INFO \"applied $COUNT rules to $CHAIN with one iptables-restore call\" \\\n    mode \"$MODE\" rules \"$COUNT\" jump \"$_jump\" file \"$CIDR_FILE\"\n  return 0\n}\n\nuninstall() {\n  # The chain is emptied first (-F fails if it does not exist; the check below reports what is\n  # left): iptables-nft fetches every rule of the nat table for -D, and the chain's own for -S,\n  # which for a large chain costs seconds a call. Traffic sees no difference: a jump to an\n  # empty chain returns at once.\n  \"$IPT\" -w 5 -t nat -F \"$CHAIN\" 2>/dev/null\n  _i=0\n  while jump_present && [ \"$_i\" -lt 100 ]; do\n    \"$IPT\" -w 5 -t nat -D POSTROUTING -m addrtype ! --dst-type LOCAL -j \"$CHAIN\" || break\n    _i=$((_i + 1))\n  done\n  if chain_present; then\n    \"$IPT\" -w 5 -t nat -F \"$CHAIN\"\n    \"$IPT\" -w 5 -t nat -X \"$CHAIN\"\n  fi\n  if jump_present || chain_present; then\n    log ERROR \"could not remove $CHAIN or its jump\" mode \"$MODE\"\n    return 1\n  fi\n  log INFO \"removed $CHAIN and its jump from POSTROUTING\" mode \"$MODE\" jumps_removed \"$_i\"\n  return 0\n}\n\n# --- modes --------------------------------------------------------------------------------------\n\nlog_invalid() {\n  log ERROR \"$ERROR_MSG\" file \"$CIDR_FILE\" line \"$ERROR_LINE\" value \"$ERROR_VALUE\"\n}\n\nrun_once() {\n  read_desired || {\n    log_invalid\n    return 1\n  }\n  if in_sync; then\n    log INFO \"$CHAIN already matches the file ($COUNT rules)\" mode \"$MODE\" rules \"$COUNT\"\n    return 0\n  fi\n  apply\n}\n\nrun_loop() {\n  SLEEP_PID=\n  trap 'log INFO \"stopping; rules left in place\" mode \"$MODE\"; [ -n \"$SLEEP_PID\" ] && kill \"$SLEEP_PID\" 2>/dev/null; exit 0' TERM INT HUP\n  log INFO \"starting: resync every $RESYNC_INTERVAL s\" mode \"$MODE\" mode_source \"$MODE_SOURCE\" file \"$CIDR_FILE\"\n  _last_problem=\n  _applied=\n  while :; do\n    if read_desired; then\n      _last_problem=\n      if ! in_sync; then\n        if [ -n \"$_applied\" ] && [ \"$DESIRED_RULES\" = \"$_applied\" ]; then\n          log WARNING \"$CHAIN drifted from the file; rewriting it\" mode \"$MODE\"\n        fi\n        apply && _applied=$DESIRED_RULES\n      fi\n    else\n      # Log a bad file once, not every resync; the chain keeps its last good state.\n      _problem=\"$ERROR_LINE:$ERROR_VALUE:$ERROR_MSG\"\n      [ \"$_problem\" = \"$_last_problem\" ] || log_invalid\n      _last_problem=$_problem\n    fi\n    sleep \"$RESYNC_INTERVAL\" &\n    SLEEP_PID=$!\n    wait \"$SLEEP_PID\"\n    SLEEP_PID=\n  done\n}\n\nusage() {\n  echo \"usage: agent.sh [--once | --check | --uninstall | --validate | --help]\"\n}\n\nif [ $# -gt 1 ]; then\n  usage >&2\n  exit 2\nfi\ncase ${1:-} in\n  --help | -h)\n    usage\n    exit 0\n    ;;\n  --validate)\n    if read_desired; then\n      log INFO \"$CIDR_FILE is valid ($COUNT CIDRs)\" rules \"$COUNT\"\n      exit 0\n    fi\n    log_invalid\n    exit 1\n    ;;\n  --once)\n    detect_mode\n    run_once\n    exit $?\n    ;;\n  --check)\n    detect_mode\n    if read_desired && in_sync; then exit 0; fi\n    printf '%s\\n' \"$CHAIN does not match $CIDR_FILE${ERROR_MSG:+ ($ERROR_MSG)}\" >&2\n    exit 1\n    ;;\n  --uninstall)\n    detect_mode\n    uninstall\n    exit $?\n    ;;\n  '')\n    case $RESYNC_INTERVAL in\n      '' | *[!0-9]* | 0*)\n        log ERROR \"RESYNC_INTERVAL must be a whole number of seconds, 1-86400\" value \"$RESYNC_INTERVAL\"\n        exit 2\n        ;;\n    esac\n    if [ \"$RESYNC_INTERVAL\" -gt 86400 ]; then\n      log ERROR \"RESYNC_INTERVAL must be a whole number of seconds, 1-86400\" value \"$RESYNC_INTERVAL\"\n      exit 2\n    fi\n    detect_mode\n    run_loop\n    ;;\n  *)\n    usage >&2\n    exit 2\n    ;;\nesac\n",
  "daemonSet": {
    "apiVersion": "apps/v1",
    "kind": "DaemonSet",
    "metadata": {
      "name": "peerlink-masquerade-agent",
      "namespace": "kube-system",
      "labels": {
        "app.kubernetes.io/name": "peerlink-masquerade-agent",
        "app.kubernetes.io/component": "masquerade-agent",
        "app.kubernetes.io/managed-by": "peerlink"
      }
    },
    "spec": {
      "selector": {
        "matchLabels": {
          "app.kubernetes.io/name": "peerlink-masquerade-agent"
        }
      },
      "updateStrategy": {
        "type": "RollingUpdate",
        "rollingUpdate": {
          "maxUnavailable": 1
        }
      },
      "template": {
        "metadata": {
          "labels": {
            "app.kubernetes.io/name": "peerlink-masquerade-agent",
            "app.kubernetes.io/component": "masquerade-agent",
            "app.kubernetes.io/managed-by": "peerlink"
          }
        },
        "spec": {
          "hostNetwork": true,
          "priorityClassName": "system-node-critical",
          "tolerations": [
            {
              "operator": "Exists"
            }
          ],
          "nodeSelector": {
            "kubernetes.io/os": "linux"
          },
          "automountServiceAccountToken": false,
          "enableServiceLinks": false,
          "terminationGracePeriodSeconds": 30,
          "containers": [
            {
              "name": "agent",
              "image": "registry.k8s.io/build-image/distroless-iptables:v0.8.7@sha256:cdac80d8683f9d8d3aa177383e3a5ab166df91d4e884199023d4a5b088f6015f",
              "imagePullPolicy": "IfNotPresent",
              "command": [
                "/bin/sh",
                "/opt/peerlink/agent.sh"
              ],
              "env": [
                {
                  "name": "CIDR_FILE",
                  "value": "/etc/peerlink/cidrs"
                },
                {
                  "name": "RESYNC_INTERVAL",
                  "value": "10"
                }
              ],
              "securityContext": {
                "privileged": false,
                "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true,
                "runAsUser": 0,
                "capabilities": {
                  "drop": [
                    "ALL"
                  ],
                  "add": [
                    "NET_ADMIN",
                    "NET_RAW"
                  ]
                },
                "seccompProfile": {
                  "type": "RuntimeDefault"
                }
              },
              "resources": {
                "requests": {
                  "cpu": "10m",
                  "memory": "16Mi"
                },
                "limits": {
                  "cpu": "100m",
                  "memory": "64Mi"
                }
              },
              "readinessProbe": {
                "exec": {
                  "command": [
                    "/bin/sh",
                    "/opt/peerlink/agent.sh",
                    "--check"
                  ]
                },
                "initialDelaySeconds": 2,
                "periodSeconds": 10,
                "timeoutSeconds": 5,
                "failureThreshold": 3
              },
              "volumeMounts": [
                {
                  "name": "cidrs",
                  "mountPath": "/etc/peerlink",
                  "readOnly": true
                },
                {
                  "name": "agent",
                  "mountPath": "/opt/peerlink",
                  "readOnly": true
                },
                {
                  "name": "xtables-lock",
                  "mountPath": "/run/xtables.lock"
                }
              ]
            }
          ],
          "volumes": [
            {
              "name": "cidrs",
              "configMap": {
                "name": "peerlink-masquerade-cidrs",
                "items": [
                  {
                    "key": "cidrs",
                    "path": "cidrs"
                  }
                ]
              }
            },
            {
              "name": "agent",
              "configMap": {
                "name": "peerlink-masquerade-agent",
                "defaultMode": 365,
                "items": [
                  {
                    "key": "agent.sh",
                    "path": "agent.sh"
                  }
                ]
              }
            },
            {
              "name": "xtables-lock",
              "hostPath": {
                "path": "/run/xtables.lock",
                "type": "FileOrCreate"
              }
            }
          ]
        }
      }
    }
  }
};
