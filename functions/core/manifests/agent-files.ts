// Generated from manifests/masquerade-agent/agent.sh and daemonset.yaml by
// manifests/generate.ts; do not edit. Regenerate with: node manifests/generate.ts
import type { AgentFiles } from './agent.ts';

export const AGENT_FILES: AgentFiles = {
  "script": "#!/bin/sh\n# peerlink masquerade agent.\n#\n# Keeps the nat chain PEERLINK-MASQ equal to the CIDR list that peerlink writes into CIDR_FILE:\n# one MASQUERADE rule per CIDR, reached from POSTROUTING by a single jump that sits ahead of\n# kubenet's \"! -d 10.0.0.0/8 -j MASQUERADE\" rule. Traffic from pods to those CIDRs (peered VPC\n# ranges inside 10.0.0.0/8) then leaves with the node's address, which the peering accepts.\n#\n# Usage: agent.sh [--once | --check | --uninstall | --validate | --help]\n#   (no flag)    loop: every RESYNC_INTERVAL seconds re-read CIDR_FILE and rewrite the chain when\n#                the file changed or the chain drifted. SIGTERM leaves the rules in place, so a\n#                rolling update never opens a gap.\n#   --once       apply once; exit 0 only if the chain now matches the file.\n#   --check      exit 0 only if the chain and the jump match the file (readiness probe).\n#   --uninstall  remove the jump and the chain.\n#   --validate   only validate CIDR_FILE (no iptables); exit 0 if every entry is valid.\n#\n# Environment:\n#   CIDR_FILE        default /etc/peerlink/cidrs. One CIDR a line; blank lines and lines whose\n#                    first non-blank character is '#' are ignored. Every entry must be a strict\n#                    IPv4 CIDR: four octets 0-255 without leading zeros, prefix 0-32, no host bits.\n#   RESYNC_INTERVAL  seconds between resyncs in loop mode, 1-86400, default 10.\n#   IPTABLES_MODE    nft | legacy: skip detection (tests); unset: detect like kube-proxy's\n#                    iptables-wrapper (https://github.com/kubernetes-sigs/iptables-wrappers).\n#\n# Safety: nothing read from the file reaches a command until it has passed check_cidr, which\n# admits only digits, dots and one slash. There is no eval, and globbing is off (set -f).\n# Portability: POSIX sh only (dash, busybox ash). Besides shell builtins it uses only grep, sleep\n# and the iptables binaries, all present in registry.k8s.io/build-image/distroless-iptables.\n# It writes no files, so it runs on a read-only root filesystem.\n\nset -f\n\nCHAIN=PEERLINK-MASQ\nCOMMENT=peerlink\nCIDR_FILE=${CIDR_FILE:-/etc/peerlink/cidrs}\nRESYNC_INTERVAL=${RESYNC_INTERVAL:-10}\nNL='\n'\nWS=\" $(printf '\\t\\r')\"\n\n# --- logging: one JSON object a line, the form Cloud Logging parses (severity, message) -------\n\n# Sets ESC to $1 escaped for a JSON string: quotes, backslashes and newlines escaped, other\n# control or non-ASCII bytes replaced by '?', cut after 500 characters.\njson_escape() {\n  _s=$1\n  ESC=\n  _n=0\n  while [ -n \"$_s\" ]; do\n    _c=${_s%\"${_s#?}\"}\n    _s=${_s#?}\n    case $_c in\n      '\"' | '\\') ESC=\"$ESC\\\\$_c\" ;;\n      \"$NL\") ESC=\"$ESC\\\\n\" ;;\n      [!\\ -~]) ESC=\"$ESC?\" ;;\n      *) ESC=\"$ESC$_c\" ;;\n    esac\n    _n=$((_n + 1))\n    if [ \"$_n\" -ge 500 ] && [ -n \"$_s\" ]; then\n      ESC=\"$ESC...\"\n      break\n    fi\n  done\n}\n\n# log SEVERITY MESSAGE [KEY VALUE]...  INFO goes to stdout, everything else to stderr.\nlog() {\n  _sev=$1\n  json_escape \"$2\"\n  _out=\"{\\\"severity\\\":\\\"$_sev\\\",\\\"component\\\":\\\"peerlink-masquerade-agent\\\",\\\"message\\\":\\\"$ESC\\\"\"\n  shift 2\n  while [ $# -ge 2 ]; do\n    json_escape \"$2\"\n    _out=\"$_out,\\\"$1\\\":\\\"$ESC\\\"\"\n    shift 2\n  done\n  if [ \"$_sev\" = INFO ]; then\n    printf '%s}\\n' \"$_out\"\n  else\n    printf '%s}\\n' \"$_out\" >&2\n  fi\n}\n\n# --- validation ---------------------------------------------------------------------------------\n\n# dec_ok TEXT MAX: TEXT is a decimal number 0..MAX without leading zeros (at most 3 digits).\ndec_ok() {\n  case $1 in\n    '' | *[!0-9]* | 0?*) return 1 ;;\n  esac\n  [ ${#1} -le 3 ] && [ \"$1\" -le \"$2\" ]\n}\n\n# check_cidr TEXT: 0 if TEXT is a strict IPv4 CIDR with no host bits set; else REASON says why.\ncheck_cidr() {\n  _v=$1\n  REASON=\n  case $_v in\n    *[!0-9./]*)\n      REASON='only digits, dots and one slash are allowed'\n      return 1\n      ;;\n    */*/*)\n      REASON='more than one slash'\n      return 1\n      ;;\n    */*) ;;\n    *)\n      REASON='missing /prefix length'\n      return 1\n      ;;\n  esac\n  _addr=${_v%/*}\n  _plen=${_v#*/}\n  if ! dec_ok \"$_plen\" 32; then\n    REASON='prefix length must be 0-32 without leading zeros'\n    return 1\n  fi\n  case $_addr in\n    *.*.*.*.*)\n      REASON='address must have exactly four octets'\n      return 1\n      ;;\n    *.*.*.*) ;;\n    *)\n      REASON='address must have exactly four octets'\n      return 1\n      ;;\n  esac\n  _o1=${_addr%%.*}\n  _r=${_addr#*.}\n  _o2=${_r%%.*}\n  _r=${_r#*.}\n  _o3=${_r%%.*}\n  _o4=${_r#*.}\n  for _o in \"$_o1\" \"$_o2\" \"$_o3\" \"$_o4\"; do\n    if ! dec_ok \"$_o\" 255; then\n      REASON='each octet must be 0-255 without leading zeros'\n      return 1\n    fi\n  done\n  # Host bits, one octet at a time so the arithmetic never needs more than 8 bits.\n  _net=\n  _bad=\n  _i=0\n  for _o in \"$_o1\" \"$_o2\" \"$_o3\" \"$_o4\"; do\n    _b=$((_plen - 8 * _i))\n    [ \"$_b\" -lt 0 ] && _b=0\n    [ \"$_b\" -gt 8 ] && _b=8\n    _m=$(((1 << (8 - _b)) - 1))\n    [ $((_o & _m)) -eq 0 ] || _bad=1\n    _net=\"$_net${_net:+.}$((_o & (255 - _m)))\"\n    _i=$((_i + 1))\n  done\n  if [ -n \"$_bad\" ]; then\n    REASON=\"host bits set (the network is $_net/$_plen)\"\n    return 1\n  fi\n  return 0\n}\n\n# rule_for CIDR: sets RULE to the chain rule exactly as `iptables -S` prints it back, so the\n# desired and the actual chain compare as plain text (iptables omits \"-d 0.0.0.0/0\").\nrule_for() {\n  if [ \"$1\" = 0.0.0.0/0 ]; then\n    RULE=\"-A $CHAIN -m comment --comment $COMMENT -j MASQUERADE\"\n  else\n    RULE=\"-A $CHAIN -d $1 -m comment --comment $COMMENT -j MASQUERADE\"\n  fi\n}\n\n# read_desired: reads CIDR_FILE into DESIRED_RULES (one rule a line, duplicates dropped) and\n# COUNT. Stops at the first invalid entry: returns 1 with ERROR_MSG, ERROR_LINE, ERROR_VALUE.\nread_desired() {\n  DESIRED_RULES=\n  COUNT=0\n  ERROR_MSG=\n  ERROR_LINE=\n  ERROR_VALUE=\n  _seen=' '\n  if [ ! -f \"$CIDR_FILE\" ] || [ ! -r \"$CIDR_FILE\" ]; then\n    ERROR_MSG=\"cannot read CIDR file $CIDR_FILE\"\n    return 1\n  fi\n  _ln=0\n  while IFS= read -r _line || [ -n \"$_line\" ]; do\n    _ln=$((_ln + 1))\n    _line=${_line#\"${_line%%[!$WS]*}\"}\n    _line=${_line%\"${_line##*[!$WS]}\"}\n    case $_line in\n      '' | '#'*) continue ;;\n    esac\n    if ! check_cidr \"$_line\"; then\n      ERROR_MSG=\"invalid entry at $CIDR_FILE line $_ln: \\\"$_line\\\": $REASON; chain left unchanged\"\n      ERROR_LINE=$_ln\n      ERROR_VALUE=$_line\n      return 1\n    fi\n    case $_seen in\n      *\" $_line \"*) continue ;;\n    esac\n    _seen=\"$_seen$_line \"\n    rule_for \"$_line\"\n    DESIRED_RULES=\"$DESIRED_RULES$RULE$NL\"\n    COUNT=$((COUNT + 1))\n  done <\"$CIDR_FILE\"\n  return 0\n}\n\n# --- iptables -----------------------------------------------------------------------------------\n\n# detect_mode: sets MODE (nft|legacy), IPT and RESTORE. Same decision as kube-proxy's\n# iptables-wrapper: kubelet's hint chains in nft, then in legacy; otherwise whichever back end\n# holds more rules, nft on a tie.\ndetect_mode() {\n  case ${IPTABLES_MODE:-} in\n    nft | legacy)\n      MODE=$IPTABLES_MODE\n      MODE_SOURCE=IPTABLES_MODE\n      ;;\n    '')\n      MODE_SOURCE=detected\n      _hint='^:(KUBE-IPTABLES-HINT|KUBE-KUBELET-CANARY)'\n      if { iptables-nft-save -t mangle; ip6tables-nft-save -t mangle; } 2>/dev/null | grep -Eq \"$_hint\"; then\n        MODE=nft\n      # No \"-t mangle\" for legacy: it would make the kernel create that table.\n      elif { iptables-legacy-save; ip6tables-legacy-save; } 2>/dev/null | grep -Eq \"$_hint\"; then\n        MODE=legacy\n      else\n        _legacy=$({ iptables-legacy-save; ip6tables-legacy-save; } 2>/dev/null | grep -c '^-')\n        _nft=$({ iptables-nft-save; ip6tables-nft-save; } 2>/dev/null | grep -c '^-')\n        if [ \"${_legacy:-0}\" -gt \"${_nft:-0}\" ]; then MODE=legacy; else MODE=nft; fi\n      fi\n      ;;\n    *)\n      log ERROR \"IPTABLES_MODE must be nft or legacy\" value \"$IPTABLES_MODE\"\n      exit 2\n      ;;\n  esac\n  IPT=iptables-$MODE\n  RESTORE=iptables-$MODE-restore\n}\n\njump_present() {\n  \"$IPT\" -w 5 -t nat -C POSTROUTING -m addrtype ! --dst-type LOCAL -j \"$CHAIN\" 2>/dev/null\n}\n\nchain_present() {\n  \"$IPT\" -w 5 -t nat -S \"$CHAIN\" >/dev/null 2>&1\n}\n\n# current_rules: sets CURRENT_RULES to the chain's rules as `iptables -S` prints them; returns 1\n# when the chain does not exist.\ncurrent_rules() {\n  CURRENT_RULES=\n  _listing=$(\"$IPT\" -w 5 -t nat -S \"$CHAIN\" 2>/dev/null) || return 1\n  while IFS= read -r _l; do\n    case $_l in\n      \"-A $CHAIN \"*) CURRENT_RULES=\"$CURRENT_RULES$_l$NL\" ;;\n    esac\n  done <<EOF\n$_listing\nEOF\n  return 0\n}\n\n# in_sync: the chain holds exactly DESIRED_RULES, in order, and the jump exists.\nin_sync() {\n  current_rules && [ \"$CURRENT_RULES\" = \"$DESIRED_RULES\" ] && jump_present\n}\n\n# apply: one iptables-restore call. Declaring \":PEERLINK-MASQ - [0:0]\" under --noflush creates the\n# chain or empties it, and touches no other chain; the whole block commits atomically. The jump\n# goes into the same block when `-C` does not find it.\napply() {\n  _payload=\"*nat$NL:$CHAIN - [0:0]$NL$DESIRED_RULES\"\n  _jump=present\n  if ! jump_present; then\n    _payload=\"$_payload-I POSTROUTING 1 -m addrtype ! --dst-type LOCAL -j $CHAIN$NL\"\n    _jump=inserted\n  fi\n  _payload=\"${_payload}COMMIT$NL\"\n  if ! _err=$(printf '%s' \"$_payload\" | \"$RESTORE\" -w 5 --noflush 2>&1); then\n    log ERROR \"iptables-restore failed; chain left as it was\" mode \"$MODE\" output \"$_err\"\n    return 1\n  fi\n  if ! in_sync; then\n    log ERROR \"chain does not match the file after iptables-restore\" mode \"$MODE\"\n    return 1\n  fi\n  log INFO \"applied $COUNT rules to $CHAIN with one iptables-restore call\" \\\n    mode \"$MODE\" rules \"$COUNT\" jump \"$_jump\" file \"$CIDR_FILE\"\n  return 0\n}\n\nuninstall() {\n  _i=0\n  while jump_present && [ \"$_i\" -lt 100 ]; do\n    \"$IPT\" -w 5 -t nat -D POSTROUTING -m addrtype ! --dst-type LOCAL -j \"$CHAIN\" || break\n    _i=$((_i + 1))\n  done\n  if chain_present; then\n    \"$IPT\" -w 5 -t nat -F \"$CHAIN\"\n    \"$IPT\" -w 5 -t nat -X \"$CHAIN\"\n  fi\n  if jump_present || chain_present; then\n    log ERROR \"could not remove $CHAIN or its jump\" mode \"$MODE\"\n    return 1\n  fi\n  log INFO \"removed $CHAIN and its jump from POSTROUTING\" mode \"$MODE\" jumps_removed \"$_i\"\n  return 0\n}\n\n# --- modes --------------------------------------------------------------------------------------\n\nlog_invalid() {\n  log ERROR \"$ERROR_MSG\" file \"$CIDR_FILE\" line \"$ERROR_LINE\" value \"$ERROR_VALUE\"\n}\n\nrun_once() {\n  read_desired || {\n    log_invalid\n    return 1\n  }\n  if in_sync; then\n    log INFO \"$CHAIN already matches the file ($COUNT rules)\" mode \"$MODE\" rules \"$COUNT\"\n    return 0\n  fi\n  apply\n}\n\nrun_loop() {\n  SLEEP_PID=\n  trap 'log INFO \"stopping; rules left in place\" mode \"$MODE\"; [ -n \"$SLEEP_PID\" ] && kill \"$SLEEP_PID\" 2>/dev/null; exit 0' TERM INT HUP\n  log INFO \"starting: resync every $RESYNC_INTERVAL s\" mode \"$MODE\" mode_source \"$MODE_SOURCE\" file \"$CIDR_FILE\"\n  _last_problem=\n  _applied=\n  while :; do\n    if read_desired; then\n      _last_problem=\n      if ! in_sync; then\n        if [ -n \"$_applied\" ] && [ \"$DESIRED_RULES\" = \"$_applied\" ]; then\n          log WARNING \"$CHAIN drifted from the file; rewriting it\" mode \"$MODE\"\n        fi\n        apply && _applied=$DESIRED_RULES\n      fi\n    else\n      # Log a bad file once, not every resync; the chain keeps its last good state.\n      _problem=\"$ERROR_LINE:$ERROR_VALUE:$ERROR_MSG\"\n      [ \"$_problem\" = \"$_last_problem\" ] || log_invalid\n      _last_problem=$_problem\n    fi\n    sleep \"$RESYNC_INTERVAL\" &\n    SLEEP_PID=$!\n    wait \"$SLEEP_PID\"\n    SLEEP_PID=\n  done\n}\n\nusage() {\n  echo \"usage: agent.sh [--once | --check | --uninstall | --validate | --help]\"\n}\n\nif [ $# -gt 1 ]; then\n  usage >&2\n  exit 2\nfi\ncase ${1:-} in\n  --help | -h)\n    usage\n    exit 0\n    ;;\n  --validate)\n    if read_desired; then\n      log INFO \"$CIDR_FILE is valid ($COUNT CIDRs)\" rules \"$COUNT\"\n      exit 0\n    fi\n    log_invalid\n    exit 1\n    ;;\n  --once)\n    detect_mode\n    run_once\n    exit $?\n    ;;\n  --check)\n    detect_mode\n    if read_desired && in_sync; then exit 0; fi\n    echo \"$CHAIN does not match $CIDR_FILE${ERROR_MSG:+ ($ERROR_MSG)}\" >&2\n    exit 1\n    ;;\n  --uninstall)\n    detect_mode\n    uninstall\n    exit $?\n    ;;\n  '')\n    case $RESYNC_INTERVAL in\n      '' | *[!0-9]* | 0*)\n        log ERROR \"RESYNC_INTERVAL must be a whole number of seconds, 1-86400\" value \"$RESYNC_INTERVAL\"\n        exit 2\n        ;;\n    esac\n    if [ \"$RESYNC_INTERVAL\" -gt 86400 ]; then\n      log ERROR \"RESYNC_INTERVAL must be a whole number of seconds, 1-86400\" value \"$RESYNC_INTERVAL\"\n      exit 2\n    fi\n    detect_mode\n    run_loop\n    ;;\n  *)\n    usage >&2\n    exit 2\n    ;;\nesac\n",
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
