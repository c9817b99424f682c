# bash completion for scx-run                              -*- shell-script -*-
#
# Installed by `make install` as share/bash-completion/completions/scx-run;
# or source it from ~/.bashrc.  zsh: `autoload -U bashcompinit &&
# bashcompinit && source scx-run.bash`.

_scx_run() {
	local cur prev opt i cmd_at=0
	local opts="-0 -a -C -d -h -I -j -k -L -l -m -N -n -q -s -t -u -v -V -X
		--arg-file
		--arg-file-sep --arg-sep --argfile --argfilesep --argsep
		--as-completed --backend --bar --basenameextensionreplace
		--basenamereplace --block --block-size --blocksize --bner --bnr
		--cat --chunksize --col-sep --colsep
		--delay --delimiter --dirnamereplace --dnr --dr --dry-run
		--dryrun --er --eta --extensionreplace --fifo --format --gnu --halt
		--group --halt-on-error --haltonerror --header --help --if-serial
		--files --info --input --jl --joblog --jobs --keep-affinity --keep-order
		--keeporder --lb --line-buffer --line-buffered --linebuffer
		--linebuffered --link
		--load --max-args --max-chars --max-lines --max-procs
		--max-replace-args --max-workers --maxargs --maxchars --maxlines
		--maxprocs --maxreplaceargs
		--memfree --nice --nn --no-k --no-keep-order --no-notice --nok
		--nokeeporder --nonotice --null --output-as-files --outputasfiles
		--pipe --pipe-item --pipe-part --pipepart --plain --plus
		--progress --protocol --quote --recend --recstart --regex
		--regexp --res --result --results --resume --resume-failed
		--resumefailed --retries --retry-failed --retryfailed --reuse
		--round --round-robin --roundrobin --seq-prefix
		--seqreplace --shell --shuf --slotreplace --spill-after
		--spreadstdin --summary
		--tag --tag-string --tagstring --tempdir --timeout --tmpdir --trim
		--ungroup --verbose --version --wd --work-dir --workdir
		--will-cite --willcite --xapply --xargs"
	# Options that take a value in the next word.
	local with_value="-a -C -d -I -j -L -N -n -P -s --arg-file
		--arg-file-sep --arg-sep --argfile --argfilesep --argsep --backend
		--basenameextensionreplace --basenamereplace --block
		--block-size --blocksize --bner --bnr --chunksize --col-sep --colsep --delay --delimiter
		--dirnamereplace --dnr --er --extensionreplace --format --halt
		--halt-on-error --haltonerror --header --if-serial --input
		--jl --joblog --jobs --load --max-args --max-chars --max-procs
		--max-replace-args --max-workers --maxargs --maxchars --maxprocs
		--maxreplaceargs --memfree --nice --protocol --recend --recstart
		--res --result --results --retries --seqreplace --slotreplace --spill-after
		--tag-string --tagstring --tempdir --timeout --tmpdir --trim
		--wd --work-dir --workdir"

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The command starts at the first word that is not an option or an
	# option's value; from there on, complete as for that command.
	i=1
	while [ "$i" -lt "$COMP_CWORD" ]; do
		case ${COMP_WORDS[i]} in
		--*=*) ;;
		=) ;;
		-*)
			case " $(echo $with_value) " in
			*" ${COMP_WORDS[i]} "*)
				[ "${COMP_WORDS[i + 1]}" = "=" ] && i=$((i + 1))
				i=$((i + 1)) ;;
			esac ;;
		*)
			if [ "${COMP_WORDS[i - 1]}" != "=" ]; then
				cmd_at=$i
				break
			fi ;;
		esac
		i=$((i + 1))
	done
	if [ "$cmd_at" -gt 0 ]; then
		if declare -F _command_offset >/dev/null; then
			_command_offset "$cmd_at"
		elif [ "$cmd_at" -eq "$COMP_CWORD" ]; then
			mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return 0
	fi

	# --opt=value: bash splits it into "--opt" "=" "value" when '=' is in
	# COMP_WORDBREAKS (the default), else it is one word.
	opt=
	if [ "$cur" = "=" ]; then
		opt=$prev
		cur=
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
	else
		case " $(echo $with_value) " in
		*" $prev "*) opt=$prev ;;
		esac
	fi

	if [ -n "$opt" ]; then
		local words=
		case $opt in
		--backend) words="multiprocess loky mpi" ;;
		--format) words="raw jsonl text json" ;;
		--if-serial) words="raise warn ignore" ;;
		--protocol) words="line null length" ;;
		--progress) words="auto always never" ;;
		--halt) words="never now,fail=1 now,success=1 now,done=1 soon,fail=1 soon,success=1 soon,done=1" ;;
		-a | --input | --joblog)
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return 0 ;;
		--results)
			mapfile -t COMPREPLY < <(compgen -d -- "$cur")
			return 0 ;;
		--block | --block-size | --blocksize) words="1M 10M 100M -1 -10" ;;
		# compgen -W drops one level of backslashes.
		-d | --delimiter) words='\\n \\t \\0 , : ;' ;;
		*) return 0 ;; # a number: nothing to offer
		esac
		mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
		return 0
	fi

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
	fi
	return 0
}

complete -F _scx_run scx-run
