#!/bin/sh
# install.sh: installs rt (Real Talk), the terminal group chat, from its release archives,
# for people without Deno or Homebrew, on Linux and macOS (x86_64 or arm64). No root needed.
#
#   curl -fsSL https://github.com/OWNER/REPO/releases/latest/download/install.sh | sh
#   curl -fsSL https://github.com/OWNER/REPO/releases/latest/download/install.sh | sh -s -- --version 0.1.0
#   sh install.sh --help
#
# It picks the archive for this computer, downloads SHA256SUMS and then the archive into a
# private temporary folder, checks the archive's SHA-256, checks that the archive holds only
# plain files and folders, and installs the rt program into ~/.local/bin (or --dir). Plain POSIX
# sh; it uses uname, mktemp, tar, awk, find, tr, curl or wget, and sha256sum or shasum. Nothing
# downloaded is ever run as shell code; only the new rt is run, once, with --version, before it
# replaces anything.
#
# The release workflow publishes a copy with its repository stamped in: it replaces the whole
# line below that starts with the variable's name. Keep exactly one such line, at the top level.

RT_REPO_DEFAULT="rt-chat/rt"

# Where the releases are (the tests put a server on 127.0.0.1 here).
GITHUB_URL="https://github.com"

set -u

# The archives that exist, as the release workflow builds them.
TARGETS="x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin"
WINDOWS_TARGET="x86_64-pc-windows-msvc"

# What the trap removes: the private temporary folder, and a half-copied rt in the target folder.
tmp=""
partial=""

say() {
	printf '%s\n' "$*"
}

warn() {
	printf 'rt installer: %s\n' "$*" >&2
}

die() {
	printf 'rt installer: %s\n' "$*" >&2
	exit 1
}

# $1 as one line of at most 200 printable ASCII characters: for text that comes from outside
# (SHA256SUMS, or what the new rt says), so that it cannot drive the terminal.
printable() {
	printf '%s' "$1" | tr '\t\r\n' '   ' | LC_ALL=C tr -cd '[:print:]' |
		awk '{ print substr($0, 1, 200) }'
}

# A mistake on the command line: one line, exit status 2.
usage_error() {
	printf 'rt installer: %s (see --help)\n' "$*" >&2
	exit 2
}

cleanup() {
	if [ -n "$partial" ]; then rm -f "$partial"; fi
	if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
	return 0
}

usage() {
	cat <<EOF
Installs rt (Real Talk), the terminal group chat, on Linux or macOS (x86_64 or arm64).

Usage:
  curl -fsSL $GITHUB_URL/$repo/releases/latest/download/install.sh | sh
  curl -fsSL $GITHUB_URL/$repo/releases/latest/download/install.sh | sh -s -- [options]
  sh install.sh [options]

Options:
  --version X.Y.Z    install this version (v0.1.0 works too); default: the latest release
                     (or \$RT_VERSION)
  --dir DIR          install rt into DIR, created if needed; default: \$RT_INSTALL_DIR,
                     or ~/.local/bin
  --from URL         download from URL, a folder holding the archives and SHA256SUMS
                     (a mirror), instead of GitHub (or \$RT_RELEASE_URL)
  --repo OWNER/REPO  the GitHub repository to download from (or \$RT_REPO); default: $RT_REPO_DEFAULT
  --insecure         allow --from with plain http:// to another computer (anyone on the way
                     could change what is installed), or a wget that cannot refuse a redirect
                     to plain http; certificates are still checked
  --dry-run          say what would be downloaded and installed, and stop
  -h, --help         show this help

Downloads from: $(release_folder)/
It checks the archive's SHA-256 against SHA256SUMS before installing anything, and needs no
root. On Windows, download rt-VERSION-$WINDOWS_TARGET.zip from
$GITHUB_URL/$repo/releases/latest instead. Anywhere Deno runs: deno run -A jsr:@rt/chat
EOF
}

# Records one option's value, after checking it.
set_option() {
	if [ -z "$2" ]; then usage_error "$1 needs a value"; fi
	case $1 in
	--version) version=$2 ;;
	--dir) dir=$2 ;;
	--from) from=$2 ;;
	--repo) repo=$2 ;;
	esac
}

# Whether $1 looks like a version number: X.Y.Z, maybe with a suffix such as -rc.1.
valid_version() {
	case $1 in
	*[!0-9A-Za-z.+-]*) return 1 ;;
	[0-9]*.[0-9]*.[0-9]*) return 0 ;;
	*) return 1 ;;
	esac
}

check_options() {
	case $version in
	v[0-9]*) version=${version#v} ;;
	esac
	if [ -n "$version" ] && ! valid_version "$version"; then
		usage_error "\"$version\" is not a version number like 0.1.0"
	fi
	case $repo in
	*/*/* | /* | */ | *[!A-Za-z0-9._/-]*) usage_error "\"$repo\" is not a GitHub repository like owner/repo" ;;
	*/*) ;;
	*) usage_error "\"$repo\" is not a GitHub repository like owner/repo" ;;
	esac
	if [ -n "$from" ]; then
		case $from in
		http://?* | https://?*) ;;
		*) usage_error "--from needs an http:// or https:// address, not \"$from\"" ;;
		esac
		while :; do
			case $from in
			*/) from=${from%/} ;;
			*) break ;;
			esac
		done
		case $from in
		https://*) ;;
		*)
			if ! on_this_computer "$from" && [ "$insecure" != true ]; then
				usage_error "$from is plain http, so anyone on the way could change what is installed; use https, or add --insecure"
			fi
			;;
		esac
	fi
}

# Whether the http:// URL $1 names this computer: 127.0.0.1, localhost or [::1], maybe with a
# port; nothing else (no user@ part, which would make the host something else).
on_this_computer() {
	hostport=${1#http://}
	hostport=${hostport%%/*}
	case $hostport in
	127.0.0.1 | localhost | "[::1]") return 0 ;;
	127.0.0.1:?* | localhost:?* | "[::1]:"?*)
		case ${hostport##*:} in
		*[!0-9]*) return 1 ;;
		*) return 0 ;;
		esac
		;;
	*) return 1 ;;
	esac
}

# The folder (URL) holding SHA256SUMS and the archives.
release_folder() {
	if [ -n "$from" ]; then
		printf '%s' "$from"
	elif [ -n "$version" ]; then
		printf '%s' "$GITHUB_URL/$repo/releases/download/v$version"
	else
		printf '%s' "$GITHUB_URL/$repo/releases/latest/download"
	fi
}

# The folder (URL) to download the archive of version $1 from, once it is known: for the
# latest release, its own folder rather than latest/, which could move on to a newer release
# between the two downloads.
archive_folder() {
	if [ -n "$from" ]; then
		printf '%s' "$from"
	else
		printf '%s' "$GITHUB_URL/$repo/releases/download/v$1"
	fi
}

# Where a person can see every release.
releases_page() {
	if [ -n "$from" ]; then
		printf '%s' "$from/"
	else
		printf '%s' "$GITHUB_URL/$repo/releases"
	fi
}

refuse_windows() {
	say "rt installer: this script installs rt on Linux and macOS, and this looks like Windows ($os_seen $cpu_seen)." >&2
	say "On Windows, download rt-${version:-VERSION}-$WINDOWS_TARGET.zip from $(releases_page)," >&2
	say "unzip it, and run rt.exe from the folder inside (or put that folder on your PATH)." >&2
	say "Or, with Deno installed: deno run -A jsr:@rt/chat" >&2
	exit 1
}

refuse_other() {
	say "rt installer: there is no rt build for $os_seen on $cpu_seen." >&2
	say "Builds exist for Linux and macOS on x86_64 and arm64 (aarch64), and for Windows on x86_64" >&2
	say "(a .zip): $(releases_page)" >&2
	say "Anywhere Deno runs, you can also run rt with: deno run -A jsr:@rt/chat" >&2
	exit 1
}

# Sets target (e.g. x86_64-unknown-linux-gnu) and a plain description of this computer.
detect_target() {
	os_seen=$(uname -s 2>/dev/null) || os_seen=""
	cpu_seen=$(uname -m 2>/dev/null) || cpu_seen=""
	if [ -z "$os_seen" ]; then os_seen="an unknown system"; fi
	if [ -z "$cpu_seen" ]; then cpu_seen="an unknown processor"; fi
	case $os_seen in
	Linux) os_part=unknown-linux-gnu os_name=Linux ;;
	Darwin) os_part=apple-darwin os_name=macOS ;;
	MINGW* | MSYS* | CYGWIN* | Windows_NT | *_NT-*) refuse_windows ;;
	*) refuse_other ;;
	esac
	case $cpu_seen in
	x86_64 | amd64) arch=x86_64 ;;
	aarch64 | arm64) arch=aarch64 ;;
	*) refuse_other ;;
	esac
	# A 64-bit kernel under a 32-bit system (some Raspberry Pi installs): the build would not run.
	if [ "$os_seen" = Linux ] && [ "$(getconf LONG_BIT 2>/dev/null)" = 32 ]; then
		cpu_seen="$cpu_seen (a 32-bit system)"
		refuse_other
	fi
	cpu_name=$cpu_seen
	# A shell under Rosetta sees x86_64 on an Apple silicon Mac: the native build is better.
	if [ "$os_seen" = Darwin ] && [ "$arch" = x86_64 ] &&
		[ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then
		arch=aarch64
		cpu_name="arm64 (this shell runs under Rosetta)"
	fi
	target=$arch-$os_part
	case " $TARGETS " in
	*" $target "*) ;;
	*) refuse_other ;;
	esac
}

pick_tools() {
	if command -v curl >/dev/null 2>&1; then
		fetcher=curl
	elif command -v wget >/dev/null 2>&1; then
		fetcher=wget
	else
		die "neither curl nor wget is installed, so nothing can be downloaded. Install one of them and run this again."
	fi
	# Over https, wget must take a TLS floor and follow no redirect itself (see wget_https):
	# GNU Wget 1.x with TLS does. BusyBox's wget cannot; Wget2 (1.99) follows redirects to plain
	# http even with --max-redirect=0.
	wget_safe=false
	if [ "$fetcher" = wget ]; then
		case $(LC_ALL=C wget --version 2>/dev/null </dev/null) in
		"GNU Wget 1."*)
			wget_help=$(LC_ALL=C wget --help 2>/dev/null </dev/null)
			case $wget_help in
			*--max-redirect*) case $wget_help in *--secure-protocol*) wget_safe=true ;; esac ;;
			esac
			;;
		esac
		case $folder in
		https://*)
			if [ "$wget_safe" = false ]; then
				if [ "$insecure" != true ]; then
					die "this wget cannot be made to refuse a redirect to plain http or old TLS, and curl is not installed. Install curl and run this again, or add --insecure."
				fi
				warn "note: this wget could be redirected to plain http (--insecure)."
			fi
			;;
		esac
	fi
	if command -v sha256sum >/dev/null 2>&1; then
		hasher=sha256sum
	elif command -v shasum >/dev/null 2>&1; then
		hasher=shasum
	else
		die "neither sha256sum nor shasum is installed, so the download could not be checked; nothing was installed. Install one of them (sha256sum comes with coreutils, shasum with perl) and run this again."
	fi
}

# download URL FILE: exit status 0 when FILE holds what URL served.
download() {
	say "Downloading $1"
	case $fetcher:$1:$wget_safe in
	# Over https, refuse to be redirected to anything but https, and TLS older than 1.2.
	curl:https://*) curl -fsSL --proto '=https' --tlsv1.2 --retry 2 -o "$2" "$1" </dev/null ;;
	curl:*) curl -fsSL --retry 2 -o "$2" "$1" </dev/null ;;
	wget:https://*:true) wget_https "$1" "$2" ;;
	*) wget -q -O "$2" "$1" </dev/null ;;
	esac
}

# wget_https URL FILE: download over https only. wget's --https-only applies only when it
# follows links recursively, not to redirects (GNU Wget 1.21 follows https to http with it), so
# wget follows no redirect here: this follows them, at most 10, each to https only.
wget_https() {
	url=$1
	hops=0
	while :; do
		if wget -q -S --max-redirect=0 --secure-protocol=TLSv1_2 -O "$2" "$url" </dev/null 2>"$tmp/headers"; then
			return 0
		fi
		# A redirect: the last response's status is 3xx, and it has a Location.
		next=$(awk '
			{ sub(/\r$/, "") }
			/^ *HTTP\/[0-9.]+ / { status = $2; location = "" }
			tolower($1) == "location:" { location = $2 }
			END { if (status ~ /^3[0-9][0-9]$/) print location }' "$tmp/headers")
		case $next in
		"") return 1 ;;
		https://*) ;;
		//*) next=https:$next ;;
		/*)
			origin=${url#https://}
			next=https://${origin%%/*}$next
			;;
		*)
			warn "refused the redirect of $(printable "$url") to $(printable "$next"), which is not an https address."
			return 1
			;;
		esac
		hops=$((hops + 1))
		if [ "$hops" -gt 10 ]; then
			warn "too many redirects from $(printable "$1")."
			return 1
		fi
		url=$next
	done
}

# The lowercase SHA-256 of file $1, or nothing.
sha256_of() {
	if [ "$hasher" = sha256sum ]; then
		sha256sum "$1" </dev/null | awk '{ print tolower($1) }'
	else
		shasum -a 256 "$1" </dev/null | awk '{ print tolower($1) }'
	fi
}

# The versions SHA256SUMS ($1) has an archive for this target of, one a line.
versions_listed() {
	awk -v suffix="-$target.tar.gz" '
		{ sub(/\r$/, ""); name = $2; sub(/^\*/, "", name) }
		substr(name, 1, 3) == "rt-" && length(name) > length(suffix) + 3 &&
			substr(name, length(name) - length(suffix) + 1) == suffix {
			version = substr(name, 4, length(name) - 3 - length(suffix))
			if (!seen[version]++) print version
		}' "$1"
}

# The lowercase hash SHA256SUMS ($1) gives for the file named $2, or nothing; exit status 3
# when its lines for that file disagree, or one of them has no proper hash.
hash_listed() {
	awk -v name="$2" '
		{ sub(/\r$/, ""); file = $2; sub(/^\*/, "", file) }
		NF == 2 && file == name {
			hash = tolower($1)
			if (length(hash) != 64 || hash ~ /[^0-9a-f]/) bad = 1
			else if (found == "") found = hash
			else if (found != hash) bad = 1
		}
		END {
			if (bad) exit 3
			print found
		}' "$1"
}

# Whether tar's listings of an archive, its names ($1) and its long listing ($2), show nothing
# but plain files and folders, all inside the folder $3, without "..". The long listing begins
# each entry with its type, as ls -l does, in GNU, BSD and BusyBox tar alike: - or d here.
# (BusyBox's shows a hard link as a file: the check after unpacking finds those.)
listing_is_plain() {
	awk -v top="$3" '
		$0 != top && substr($0, 1, length(top) + 1) != top "/" { bad = 1 }
		("/" $0 "/") ~ /\/\.\.\// { bad = 1 }
		END { exit bad || NR == 0 }' "$1" || return 1
	awk '!/^[-d]/ { bad = 1 } END { exit bad || NR == 0 }' "$2"
}

# The line to add to a shell profile so that $dir is on PATH, with the profile's name.
path_advice() {
	# Inside double quotes, these four characters need a backslash.
	quoted_dir=$(printf '%s\n' "$dir" | sed 's/[\\"$`]/\\&/g')
	# shellcheck disable=SC2088 # the ~ is for the person reading, not for the shell.
	case ${SHELL:-} in
	*/fish)
		say "Run this once in fish (then open a new terminal):"
		say "    fish_add_path \"$quoted_dir\""
		return 0
		;;
	*/zsh) profile="~/.zshrc" ;;
	*/bash)
		if [ "$os_seen" = Darwin ]; then profile="~/.bash_profile"; else profile="~/.bashrc"; fi
		;;
	*) profile="~/.profile" ;;
	esac
	say "Add this line to $profile (then open a new terminal):"
	# shellcheck disable=SC2016 # $PATH is meant literally: the profile expands it.
	printf '    export PATH="%s:$PATH"\n' "$quoted_dir"
}

main() {
	version=${RT_VERSION:-}
	dir=${RT_INSTALL_DIR:-}
	from=${RT_RELEASE_URL:-}
	repo=${RT_REPO:-$RT_REPO_DEFAULT}
	dry_run=false
	want_help=false
	insecure=false
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) want_help=true ;;
		--dry-run) dry_run=true ;;
		--insecure) insecure=true ;;
		--version | --dir | --from | --repo)
			if [ $# -lt 2 ]; then usage_error "$1 needs a value"; fi
			set_option "$1" "$2"
			shift
			;;
		--version=* | --dir=* | --from=* | --repo=*) set_option "${1%%=*}" "${1#*=}" ;;
		-*) usage_error "unknown option: $1" ;;
		*) usage_error "unexpected argument: $1" ;;
		esac
		shift
	done
	check_options
	if [ "$want_help" = true ]; then
		usage
		exit 0
	fi

	if [ -z "$dir" ]; then
		if [ -z "${HOME:-}" ]; then die "HOME is not set, so there is no default folder; choose one with --dir."; fi
		dir=$HOME/.local/bin
	fi
	case $dir in
	/*) ;;
	*) dir=$(pwd)/$dir ;;
	esac
	while :; do
		case $dir in
		?*/) dir=${dir%/} ;;
		*) break ;;
		esac
	done

	detect_target
	folder=$(release_folder)
	sums_url=$folder/SHA256SUMS

	if [ "$dry_run" = true ]; then
		say "Dry run: nothing is downloaded or installed."
		say "This computer: $os_name on $cpu_name, so the archive for $target."
		if [ -n "$version" ]; then
			say "Version: $version"
			say "Would download: $sums_url"
			say "Would download: $folder/rt-$version-$target.tar.gz"
		else
			say "Version: the latest release (its number is read from SHA256SUMS)"
			say "Would download: $sums_url"
			say "Would download: $(archive_folder VERSION)/rt-VERSION-$target.tar.gz"
		fi
		say "Would install: $dir/rt"
		exit 0
	fi

	case $folder in
	https://*) ;;
	*)
		if ! on_this_computer "$folder"; then
			warn "note: $folder is plain http, so the download and its checksums could be changed on the way (--insecure)."
		fi
		;;
	esac

	pick_tools
	tmp=$(mktemp -d 2>/dev/null || mktemp -d -t rt-install)
	if [ -z "$tmp" ] || [ ! -d "$tmp" ]; then
		tmp=""
		die "could not create a temporary folder (mktemp -d failed)."
	fi
	trap cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM

	if [ -n "$version" ]; then
		say "Installing rt $version for $os_name on $cpu_name ($target)."
	else
		say "Installing the latest rt for $os_name on $cpu_name ($target)."
	fi

	sums=$tmp/SHA256SUMS
	if ! download "$sums_url" "$sums"; then
		if [ -n "$version" ]; then
			die "could not download $sums_url. Check that version $version exists ($(releases_page)) and that this computer can reach it."
		fi
		die "could not download $sums_url. Check that this computer can reach it, and that $(releases_page) has a release."
	fi

	# The versions as listed, one a line; and, to show, on one line with only printable text.
	listed_raw=$(versions_listed "$sums")
	listed=$(printable "$listed_raw")
	if [ -z "$version" ]; then
		case $listed_raw in
		"") die "$sums_url lists no archive for $target, so there is nothing to install for this computer." ;;
		*"
"*) die "$sums_url lists several versions for $target ($listed); choose one with --version." ;;
		esac
		if ! valid_version "$listed_raw"; then
			die "$sums_url names an archive with an unexpected version, \"$listed\"; not installing it."
		fi
		version=$listed_raw
		say "The latest version is $version."
	fi

	archive=rt-$version-$target.tar.gz
	if ! expected=$(hash_listed "$sums" "$archive"); then
		die "$sums_url has lines for $archive that disagree, or one without a proper SHA-256, so it was not installed."
	fi
	if [ -z "$expected" ]; then
		die "$sums_url has no checksum line for $archive, so it could not be checked and was not installed. Versions it lists for this computer: ${listed:-none}."
	fi

	archive_url=$(archive_folder "$version")/$archive
	if ! download "$archive_url" "$tmp/$archive"; then
		die "could not download $archive_url, although SHA256SUMS lists it. Check that this computer can reach it, and try again."
	fi

	actual=$(sha256_of "$tmp/$archive")
	if [ "$actual" != "$expected" ]; then
		warn "the SHA-256 checksum of $archive does not match SHA256SUMS, so it was not installed."
		printf '  SHA256SUMS says:        %s\n  the downloaded file has: %s\n' "$expected" "${actual:-(could not compute it)}" >&2
		printf 'The download was damaged or changed on the way. Try again; if it happens again, please report it.\n' >&2
		exit 1
	fi
	say "Checked: its SHA-256 matches SHA256SUMS ($actual)."

	top=rt-$version-$target
	unexpected="$archive holds something other than plain files and folders inside $top/ (a link, a special file, or a path outside it), so it was not installed."
	# Checked before unpacking, on tar's listing; then again on what was unpacked, in case a tar
	# lists something other than what it unpacks: only folders, and files with one name each.
	# (Quietly: GNU tar warns, while listing, of the "../" it would remove.)
	if ! { tar -tzf "$tmp/$archive" >"$tmp/names" && tar -tzvf "$tmp/$archive" >"$tmp/long"; } </dev/null 2>/dev/null; then
		die "could not read $archive (tar failed); nothing was installed."
	fi
	if ! listing_is_plain "$tmp/names" "$tmp/long" "$top"; then die "$unexpected"; fi
	if ! { mkdir "$tmp/unpacked" && tar -xzf "$tmp/$archive" -C "$tmp/unpacked" </dev/null; }; then
		die "could not unpack $archive (tar failed); nothing was installed."
	fi
	if ! odd=$(find "$tmp/unpacked" ! -type d ! -type f -print -o -type f -links +1 -print); then
		die "could not check what $archive holds (find failed); nothing was installed."
	fi
	if [ -n "$odd" ]; then die "$unexpected"; fi
	program=$tmp/unpacked/$top/rt
	if [ ! -d "$tmp/unpacked/$top" ] || [ -L "$tmp/unpacked/$top" ] || [ ! -f "$program" ] || [ -L "$program" ]; then
		die "$archive does not hold $top/rt as expected; nothing was installed."
	fi

	mkdir -p "$dir" || die "could not create the folder $dir; choose another with --dir."
	if [ -d "$dir/rt" ]; then die "$dir/rt is a folder, so rt cannot be installed there; choose another folder with --dir."; fi
	if [ ! -w "$dir" ]; then die "cannot write in $dir; choose a folder of your own with --dir (no root is needed)."; fi
	# Copy into a new file of a name no one could guess beside the destination, check that it
	# runs, then rename it over rt (which replaces a link there rather than writing through it):
	# rt is never half written, nor replaced by a build that does not run here.
	partial=$(mktemp "$dir/.rt-install.XXXXXX" 2>/dev/null) || partial=""
	if [ -z "$partial" ]; then die "could not create a file in $dir; nothing was installed."; fi
	if ! { cp "$program" "$partial" && chmod 0755 "$partial"; }; then
		die "could not write $partial; nothing was installed."
	fi
	# Run from the target folder, not the temporary one, which may forbid running programs.
	if ! said=$("$partial" --version </dev/null 2>&1); then
		said=$(printable "$said")
		if [ -e "$dir/rt" ] || [ -L "$dir/rt" ]; then kept="the rt already in $dir was kept"; else kept="nothing was installed"; fi
		die "the new rt does not run on this computer (\"rt --version\" failed: ${said:-no output}), so $kept. The build for $target may not suit this system: another processor, or a system without glibc (such as Alpine)."
	fi
	said=$(printable "$said")
	if ! mv -f "$partial" "$dir/rt"; then
		die "could not write $dir/rt; nothing was installed."
	fi
	partial=""

	say "Installed rt $version as $dir/rt; \"rt --version\" says: $said"
	case $said in
	*"$version"*) ;;
	*) warn "note: the installed rt says \"$said\", which does not mention $version." ;;
	esac

	case ":${PATH:-}:" in
	*":$dir:"*)
		found=$(command -v rt 2>/dev/null || true)
		if [ -n "$found" ] && [ "$found" != "$dir/rt" ]; then
			say "Note: typing rt runs $found, which comes before $dir on your PATH."
		fi
		say "Run \"rt --help\" to begin."
		;;
	*)
		say ""
		say "$dir is not on your PATH yet, so typing rt will not find it."
		path_advice
		say "Or run it as: $dir/rt --help"
		;;
	esac
}

main "$@"
