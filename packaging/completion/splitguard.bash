# bash completion for splitguard(8)                                  -*- shell-script -*-
# Installed as /usr/share/bash-completion/completions/splitguard.
# Commands, subcommands and options as `splitguard --help` lists them; file names after the options that take a file
# (--config, --control-socket) and after `keygen` and `config check`; resource, ticket and node names are free text.

_splitguard_files()
{
    if declare -F _filedir >/dev/null 2>&1; then
        _filedir
    else
        compopt -o filenames 2>/dev/null
        local IFS=$'\n'
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

_splitguard()
{
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -s || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        # Without bash-completion, "--config=FILE" arrives as three words: --config, =, FILE.
        if [[ $prev == = && $cword -ge 2 ]]; then
            prev=${COMP_WORDS[COMP_CWORD - 2]}
        elif [[ $cur == = ]]; then
            prev=${COMP_WORDS[COMP_CWORD - 1]}
            cur=''
        fi
    fi

    # Options that take a value, and which of them take a file name.
    local valued='-c|--config|-n|--node|--control-socket|-s|--site|--seed|--for'
    local control='-c --config -n --node --control-socket'
    local help='-h --help'

    case $prev in
        -c | --config | --control-socket)
            _splitguard_files
            return
            ;;
        -n | --node | -s | --site | --seed | --for)
            # A member ID or Hostname, a booth site, a number: nothing to offer.
            COMPREPLY=()
            return
            ;;
    esac
    [[ $split == true ]] && return

    # The command and subcommand typed so far, and how many plain arguments follow them.
    local command='' sub='' args=0 i word
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        if [[ $word == -* ]]; then
            if [[ $word != *=* && $word =~ ^($valued)$ ]]; then
                ((i++))
            fi
            continue
        fi
        if [[ -z $command ]]; then
            command=$word
        elif [[ -z $sub && $command =~ ^(config|ticket|booth|resource)$ ]]; then
            sub=$word
        else
            ((args++))
        fi
    done

    local options='' subcommands='' file_argument=false free_argument=false
    case $command in
        '')
            subcommands='daemon status config keygen ticket booth standby online offline recover resource reload stop'
            options="$help --version"
            ;;
        daemon)
            options="-c --config -n --node -f --foreground $help"
            ;;
        status)
            options="$control --json --why --check $help"
            ;;
        config)
            if [[ -z $sub ]]; then
                subcommands='check'
            elif [[ $sub == check ]]; then
                file_argument=true
            fi
            options=$help
            ;;
        keygen)
            file_argument=true
            options=$help
            ;;
        standby | online | recover | reload)
            options="$control $help"
            ;;
        offline)
            options="$control --for $help"
            ;;
        stop)
            options="$control --leave-running $help"
            ;;
        resource)
            if [[ -z $sub ]]; then
                subcommands='start stop move cleanup'
                options=$help
            else
                free_argument=true
                options="$control $help"
            fi
            ;;
        ticket)
            case $sub in
                '') subcommands='list peers grant revoke' options=$help ;;
                list | peers) options="-c --config -s --site $help" ;;
                grant) free_argument=true options="-c --config -s --site -F --force $help" ;;
                revoke) free_argument=true options="-c --config -s --site $help" ;;
            esac
            ;;
        booth)
            if [[ -z $sub ]]; then
                subcommands='daemon'
                options=$help
            else
                options="-c --config -s --site --seed $help"
            fi
            ;;
        *)
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    elif [[ -n $subcommands ]]; then
        COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))
    elif [[ $file_argument == true && $args -eq 0 ]]; then
        _splitguard_files
    elif [[ $free_argument == true ]]; then
        # A resource or ticket name: free text.
        COMPREPLY=()
    fi
} &&
    complete -F _splitguard splitguard

# ex: filetype=sh
