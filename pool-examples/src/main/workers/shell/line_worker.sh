#!/bin/sh
# line_worker.sh - a procpool worker in line mode, in POSIX sh (dash, bash, busybox ash).
#
# Line mode has no channel and no frames: the manager writes one request line to stdin and reads exactly one
# reply line from stdout. Logs, if any, go to stderr. The worker exits 0 at the end of stdin.
#
# Requests are fixture commands, "<word>" or "<word> <argument>" (everything after the first space):
#   echo <text>    -> <text>
#   upper <text>   -> <text> with a-z upper-cased (other bytes unchanged)
#   sleep <ms>     -> sleeps ms milliseconds, then "slept <ms>"
#   exit <n>       -> exits at once with status n, no reply
#   twice <text>   -> <text> on two lines (breaks the one-line rule on purpose)
#   none           -> no reply at all (breaks it too)
#   env <NAME>     -> the value of the environment variable NAME, empty if unset (NAME may not start with
#                     "_": those are the script's own variables)
#   pid            -> the worker's process id
#   anything else  -> "error: unknown command: <word>"
#
# Only builtins run per request, except sleep (and upper on long lines, which uses tr): a fork costs about a
# millisecond, far more than the work.

set -f  # no pathname expansion: unquoted expansions below are split on purpose, never globbed

# _upper TEXT: prints TEXT with a-z upper-cased. Short text without a fork: for each letter present, split
# the text on it (IFS=a) and join the pieces with its upper case ("$*" joins with the first char of IFS).
_upper() {
    if [ ${#1} -gt 256 ]; then  # 26 passes over long text cost more than one fork of tr
        printf '%s\n' "$1" | tr abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ
        return
    fi
    _s=$1.  # a sentinel: a letter at the very end would leave no (empty) last field to join
    # shellcheck disable=SC2086 # $_s is split on purpose
    for _p in aA bB cC dD eE fF gG hH iI jJ kK lL mM nN oO pP qQ rR sS tT uU vV wW xX yY zZ; do
        case $_s in
            *"${_p%?}"*) IFS=${_p%?}; set -- $_s; IFS=${_p#?}; _s="$*" ;;
        esac
    done
    unset IFS  # back to the default
    printf '%s\n' "${_s%.}"
}

# `|| [ -n ... ]`: a last line without its newline still counts.
while IFS= read -r _line || [ -n "$_line" ]; do
    _word=${_line%% *}
    case $_line in
        *' '*) _arg=${_line#* } ;;
        *) _arg= ;;
    esac
    case $_word in
        echo) printf '%s\n' "$_arg" ;;
        upper) _upper "$_arg" ;;
        sleep)
            case $_arg in
                '' | *[!0-9]*) printf 'error: bad number: %s\n' "$_arg" ;;
                *)
                    # ms -> seconds with three decimals, by arithmetic (sleep takes fractions in GNU, BSD and
                    # busybox); leading zeros go first, or $((...)) would read octal
                    _ms=${_arg#"${_arg%%[!0]*}"}
                    _ms=${_ms:-0}
                    _frac=00$((_ms % 1000))
                    sleep "$((_ms / 1000)).${_frac#"${_frac%???}"}"
                    printf 'slept %s\n' "$_ms"
                    ;;
            esac
            ;;
        exit)
            case $_arg in
                '' | *[!0-9]*) printf 'error: bad number: %s\n' "$_arg" ;;
                *) exit "$_arg" ;;
            esac
            ;;
        twice) printf '%s\n%s\n' "$_arg" "$_arg" ;;
        none) ;;
        env)
            case $_arg in
                '' | [0-9_]* | *[!A-Za-z0-9_]*) printf 'error: bad variable name: %s\n' "$_arg" ;;
                *) eval "printf '%s\\n' \"\${$_arg-}\"" ;;  # NAME is checked above: safe to eval
            esac
            ;;
        pid) printf '%s\n' "$$" ;;
        *) printf 'error: unknown command: %s\n' "$_word" ;;
    esac
done
exit 0
