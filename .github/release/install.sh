#!/bin/sh
# install.sh: installs rt (Real Talk), the terminal group chat, from its release archives,
# for people without Deno or Homebrew, on Linux and macOS (x86_64 or arm64). No root needed.
#
#   curl -fsSL https://github.com/OWNER/REPO/releases/latest/download/install.sh | sh
#   curl -fsSL https://github.com/OWNER/REPO/releases/latest/download/install.sh | sh -s -- --version 0.1.0
#   sh install.sh --help
#
# It picks the archive for this computer, downloads SHA256SUMS and then the archive into a
# private temporary folder, checks the archive's SHA-256, and installs the rt program into
# ~/.local/bin (or --dir). Plain POSIX sh; it uses uname, mktemp, tar, awk, curl or wget, and
# sha256sum or shasum. Nothing downloaded is ever run as shell code; only the installed rt is
# run, once, with --version.
#
# The release workflow publishes a copy with its repository stamped in: it replaces the whole
# line below that starts with the variable's name. Keep exactly one such line, at the top level.

RT_REPO_DEFAULT="rt-chat/rt"

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
  curl -fsSL https://github.com/$repo/releases/latest/download/install.sh | sh
  curl -fsSL https://github.com/$repo/releases/latest/download/install.sh | sh -s -- [options]
  sh install.sh [options]

Options:
  --version X.Y.Z    install this version (v0.1.0 works too); default: the latest release
                     (or \$RT_VERSION)
  --dir DIR          install rt into DIR, created if needed; default: \$RT_INSTALL_DIR,
                     or ~/.local/bin
  --from URL         download from URL, a folder holding the archives and SHA256SUMS
                     (a mirror), instead of GitHub (or \$RT_RELEASE_URL)
  --repo OWNER/REPO  the GitHub repository to download from (or \$RT_REPO); default: $RT_REPO_DEFAULT
  --dry-run          say what would be downloaded and installed, and stop
  -h, --help         show this help

Downloads from: $(release_folder)/
It checks the archive's SHA-256 against SHA256SUMS before installing anything, and needs no
root. On Windows, download rt-VERSION-$WINDOWS_TARGET.zip from
https://github.com/$repo/releases/latest instead. Anywhere Deno runs: deno run -A jsr:@rt/chat
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
	fi
}

# The folder (URL) holding SHA256SUMS and the archives.
release_folder() {
	if [ -n "$from" ]; then
		printf '%s' "$from"
	elif [ -n "$version" ]; then
		printf '%s' "https://github.com/$repo/releases/download/v$version"
	else
		printf '%s' "https://github.com/$repo/releases/latest/download"
	fi
}

# Where a person can see every release.
releases_page() {
	if [ -n "$from" ]; then
		printf '%s' "$from/"
	else
		printf '%s' "https://github.com/$repo/releases"
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
	if [ "$fetcher" = curl ]; then
		case $1 in
		# Over https, refuse to be redirected to anything but https.
		https://*) curl -fsSL --proto '=https' --tlsv1.2 --retry 2 -o "$2" "$1" </dev/null ;;
		*) curl -fsSL --retry 2 -o "$2" "$1" </dev/null ;;
		esac
	else
		wget -qO- "$1" >"$2" </dev/null
	fi
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

# The lowercase hash SHA256SUMS ($1) gives for the file named $2, or nothing.
hash_listed() {
	awk -v name="$2" '
		{ sub(/\r$/, ""); file = $2; sub(/^\*/, "", file) }
		NF == 2 && file == name && length($1) == 64 && $1 !~ /[^0-9A-Fa-f]/ {
			print tolower($1)
			exit
		}' "$1"
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
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) want_help=true ;;
		--dry-run) dry_run=true ;;
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
			say "Would download: $folder/rt-VERSION-$target.tar.gz"
		fi
		say "Would install: $dir/rt"
		exit 0
	fi

	case $folder in
	https://* | http://127.0.0.1 | http://127.0.0.1[:/]* | http://localhost | http://localhost[:/]* | http://\[::1\]*) ;;
	*) warn "note: $folder is plain http, so the download and its checksums could be changed on the way." ;;
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

	listed=$(versions_listed "$sums" | tr '\n' ' ')
	listed=${listed% }
	if [ -z "$version" ]; then
		case $listed in
		"") die "$sums_url lists no archive for $target, so there is nothing to install for this computer." ;;
		*" "*) die "$sums_url lists several versions for $target ($listed); choose one with --version." ;;
		esac
		version=$listed
		if ! valid_version "$version"; then
			die "$sums_url names an archive with an unexpected version, \"$version\"; not installing it."
		fi
		say "The latest version is $version."
	fi

	archive=rt-$version-$target.tar.gz
	expected=$(hash_listed "$sums" "$archive")
	if [ -z "$expected" ]; then
		die "$sums_url has no checksum line for $archive, so it could not be checked and was not installed. Versions it lists for this computer: ${listed:-none}."
	fi

	archive_url=$folder/$archive
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

	if ! { mkdir "$tmp/unpacked" && tar -xzf "$tmp/$archive" -C "$tmp/unpacked" </dev/null; }; then
		die "could not unpack $archive (tar failed); nothing was installed."
	fi
	program=$tmp/unpacked/rt-$version-$target/rt
	if [ ! -f "$program" ] || [ -L "$program" ]; then
		die "$archive does not hold rt-$version-$target/rt as expected; nothing was installed."
	fi

	mkdir -p "$dir" || die "could not create the folder $dir; choose another with --dir."
	if [ -d "$dir/rt" ]; then die "$dir/rt is a folder, so rt cannot be installed there; choose another folder with --dir."; fi
	if [ ! -w "$dir" ]; then die "cannot write in $dir; choose a folder of your own with --dir (no root is needed)."; fi
	# Copy beside the destination, then rename: rt is never half written, even if interrupted.
	partial=$dir/.rt-install-$$
	if ! { cp "$program" "$partial" && chmod 0755 "$partial" && mv -f "$partial" "$dir/rt"; }; then
		die "could not write $dir/rt; nothing was installed."
	fi
	partial=""

	if ! said=$("$dir/rt" --version </dev/null 2>&1); then
		die "installed $dir/rt, but running \"$dir/rt --version\" failed: $said (The archive for $target may not suit this system; musl-based systems such as Alpine need glibc.)"
	fi
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
