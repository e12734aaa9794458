#!/bin/bash
# A home router in network namespaces, for testing rt's port mapping against a real miniupnpd.
# Adapted from the project's shared upnp lab. Needs root, miniupnpd, nftables, iproute2.
#
#   ${P}inet    "the internet"   veth  203.0.113.2/24
#        |
#   ${P}router  miniupnpd        WAN   203.0.113.1/24 (default route -> 203.0.113.2)
#        |                       LAN   10.77.0.1/24   (SSDP, HTTP :5000, NAT-PMP :5351)
#   ${P}lan     a home computer  eth0  10.77.0.2/24   (default route -> 10.77.0.1)
#
# miniupnpd reports 11.22.33.1 as its public address (it refuses private or documentation
# ones); the "internet" namespace dials the WAN address 203.0.113.1, which the router's DNAT
# rules forward exactly as they would the public one. Nothing is ever sent to 11.22.33.1.
#
# With IPV6=yes the same links carry IPv6 too, without NAT, as at home: the internet side is
# 2001:db8:ff::2, the router's WAN 2001:db8:ff::1 and LAN 2001:db8:77::1, the home computer
# 2001:db8:77::2. The router's firewall drops unsolicited inbound IPv6 until a pinhole (UPnP
# IGD v2 AddPinhole, or PCP MAP) opens it. With CGNAT=yes the router's WAN is 100.64.0.2 in the
# provider's shared space (the internet side 100.64.0.1), and it reports no public address.
#
# Usage: router_lab.sh up MODE | down | mappings | pinholes | upnp-list | log | wan-probe PORT
#                      | wan6-probe PORT | race pcp-first|upnp-first | no-pcp | release
#                      | exec lan|router|inet CMD...
#   MODE: igd1 (UPnP IGD v1 only), igd2 (UPnP IGD v2 only), natpmp (NAT-PMP only),
#         igd1+natpmp, igd2+natpmp (both protocols, as miniupnpd usually runs: one table of
#         forwardings that either protocol can add to and remove from),
#         silent (a router with no port mapping service), refuse (UPnP that says no; NAT-PMP
#         off, since miniupnpd 2.3 stops answering anything after refusing a NAT-PMP request)
#   race: on a router with both protocols, makes one protocol answer the LAN computer first
#         and the other map the same port after it, by dropping some of the LAN computer's
#         requests (clients send them again; the router never knows). "Port control" is PCP
#         and NAT-PMP alike (one UDP port, 5351):
#     pcp-first     port control mapping requests are dropped until the client asks the UPnP
#                   service for something over HTTP, and those HTTP requests are dropped until
#                   a port control mapping has been answered. So UPnP, which is slower to find
#                   the router, is at the point of mapping when port control wins, and maps
#                   after it. Nothing waits on the test: it all plays out in the LAN
#                   computer's kernel.
#     upnp-first    port control mapping requests are dropped until `release` (once UPnP won).
#   no-pcp: PCP requests (version 2) are dropped, as if the router spoke NAT-PMP only.
#   release: every such rule goes; requests pass again.
# Env:  RTLAB_PREFIX (namespace and link name prefix, default "rtl"), RTLAB_RUN (work folder),
#       IPV6=yes, CGNAT=yes (above)
set -euo pipefail

P=${RTLAB_PREFIX:-rtl}
RUN=${RTLAB_RUN:-/tmp/$P-lab}
NS_INET=${P}inet NS_R=${P}router NS_LAN=${P}lan
WAN_IP=203.0.113.1 INET_IP=203.0.113.2 REPORTED_IP=11.22.33.1
LAN_GW=10.77.0.1 LAN_IP=10.77.0.2 HTTP_PORT=5000
IPV6=${IPV6:-no} CGNAT=${CGNAT:-no}
WAN6=2001:db8:ff::1 INET6=2001:db8:ff::2 LAN6_GW=2001:db8:77::1 LAN6=2001:db8:77::2
if [ "$CGNAT" = yes ]; then WAN_IP=100.64.0.2 INET_IP=100.64.0.1 REPORTED_IP=; fi

inns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

up() {
  local mode=${1:?mode}
  mkdir -p "$RUN"
  for ns in $NS_INET $NS_R $NS_LAN; do ip netns add "$ns"; inns "$ns" ip link set lo up; done
  ip link add "${P}-wan" type veth peer name "${P}-inet"
  ip link set "${P}-wan" netns "$NS_R"
  ip link set "${P}-inet" netns "$NS_INET"
  inns "$NS_R" ip addr add $WAN_IP/24 dev "${P}-wan"
  inns "$NS_INET" ip addr add $INET_IP/24 dev "${P}-inet"
  inns "$NS_R" ip link set "${P}-wan" up
  inns "$NS_INET" ip link set "${P}-inet" up
  inns "$NS_R" ip route add default via $INET_IP
  ip link add "${P}-lan" type veth peer name "${P}-lanh"
  ip link set "${P}-lan" netns "$NS_R"
  ip link set "${P}-lanh" netns "$NS_LAN"
  inns "$NS_LAN" ip link set "${P}-lanh" name eth0
  inns "$NS_R" ip addr add $LAN_GW/24 dev "${P}-lan"
  inns "$NS_LAN" ip addr add $LAN_IP/24 dev eth0
  inns "$NS_R" ip link set "${P}-lan" up
  inns "$NS_LAN" ip link set eth0 up
  inns "$NS_LAN" ip route add default via $LAN_GW
  inns "$NS_LAN" ip route add 239.255.255.250/32 dev eth0
  inns "$NS_R" sysctl -qw net.ipv4.ip_forward=1
  if [ "$IPV6" = yes ]; then
    for ns in $NS_INET $NS_R $NS_LAN; do inns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0; done
    inns "$NS_R" sysctl -qw net.ipv6.conf.all.forwarding=1
    inns "$NS_R" ip -6 addr add $WAN6/64 dev "${P}-wan" nodad
    inns "$NS_INET" ip -6 addr add $INET6/64 dev "${P}-inet" nodad
    inns "$NS_R" ip -6 addr add $LAN6_GW/64 dev "${P}-lan" nodad
    inns "$NS_LAN" ip -6 addr add $LAN6/64 dev eth0 nodad
    inns "$NS_LAN" ip -6 route add default via $LAN6_GW
    inns "$NS_INET" ip -6 route add 2001:db8:77::/64 via $WAN6
  fi
  cat >"$RUN/router.nft" <<NFT
flush ruleset
table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "${P}-lan" oifname "${P}-wan" accept
    jump miniupnpd
  }
  chain miniupnpd { }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
    oifname "${P}-wan" masquerade
  }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
NFT
  inns "$NS_R" nft -f "$RUN/router.nft"
  [ "$mode" = silent ] && { echo "lab up: $mode"; return; }
  local upnp=yes natpmp=yes v1=no allow="allow 1024-65535 10.77.0.0/24 1024-65535" v4only=-4
  [ "$IPV6" = yes ] && v4only=
  case $mode in
    igd1) natpmp=no v1=yes ;;
    igd2) natpmp=no ;;
    igd1+natpmp) v1=yes ;;
    igd2+natpmp) ;;
    natpmp) upnp=no ;;
    refuse) natpmp=no allow="" ;;
    *) echo "unknown mode $mode"; exit 2 ;;
  esac
  cat >"$RUN/miniupnpd.conf" <<CONF
ext_ifname=${P}-wan
$( [ -n "$REPORTED_IP" ] && echo "ext_ip=$REPORTED_IP" )
$( [ "$IPV6" = yes ] && echo "ext_ifname6=${P}-wan" )
listening_ip=${P}-lan
http_port=$HTTP_PORT
enable_natpmp=$natpmp
enable_upnp=$upnp
secure_mode=yes
system_uptime=yes
force_igd_desc_v1=$v1
notify_interval=30
clean_ruleset_interval=600
lease_file=$RUN/upnp.leases
uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b
friendly_name=rt lab router
$allow
deny 0-65535 0.0.0.0/0 0-65535
CONF
  : >"$RUN/miniupnpd.log"
  setsid ip netns exec "$NS_R" miniupnpd -d $v4only -f "$RUN/miniupnpd.conf" -P "$RUN/miniupnpd.pid" \
    >>"$RUN/miniupnpd.log" 2>&1 </dev/null &
  echo $! >"$RUN/miniupnpd.launcher.pid"
  for _ in $(seq 1 50); do
    if [ "$upnp" = yes ]; then inns "$NS_R" ss -ltn | grep -q ":$HTTP_PORT " && break
    else inns "$NS_R" ss -lun | grep -q ":5351 " && break; fi
    sleep 0.1
  done
  sleep 0.2
  echo "lab up: $mode"
}

down() {
  for f in "$RUN/miniupnpd.pid" "$RUN/miniupnpd.launcher.pid"; do
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  for ns in $NS_LAN $NS_R $NS_INET; do
    if ip netns list | grep -qw "$ns"; then ip netns del "$ns"; fi
  done
  rm -rf "$RUN"
}

# The router's port forwardings, one a line ("dport 41234 dnat ip to 10.77.0.2:41234"): whatever
# the protocol that made them, this is what lets the internet in.
mappings() {
  inns "$NS_R" nft list chain inet filter prerouting_miniupnpd 2>/dev/null | grep -o 'dport [0-9]* dnat.*' || true
}

# The router's IPv6 pinholes, one a line ("dport 41234 to 20010db8007700000000000000000002"):
# the firewall rules that let the internet reach the home computer over IPv6.
pinholes() {
  inns "$NS_R" nft list chain inet filter miniupnpd 2>/dev/null |
    sed -n 's/.*th dport \([0-9]*\) @nh,192,128 0x\([0-9a-f]*\).*/dport \1 to \2/p' || true
}

# The forwardings as a UPnP client lists them (miniupnpc, the reference client, on the LAN
# computer), told where the router is rather than searching for it (which takes 2 s).
upnp_list() {
  inns "$NS_LAN" upnpc -u "http://$LAN_GW:$HTTP_PORT/rootDesc.xml" -l
}

# The router's log (miniupnpd's syslog lines, in order).
log() {
  cat "$RUN/miniupnpd.log"
}

# A connection from the internet side to the router's WAN address: prints the first bytes the
# other end says (rt's host greets first), in hex; fails when nothing gets through.
wan_probe() {
  local port=${1:?port}
  # shellcheck disable=SC2016 # expanded by the inner shell
  inns "$NS_INET" timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    head -c 4 <&3 | od -An -tx1 | tr -d " \n"
  ' "$WAN_IP" "$port"
}

# A connection from the internet side to the home computer's IPv6 address, as wan_probe.
wan6_probe() {
  local port=${1:?port}
  # shellcheck disable=SC2016 # expanded by the inner shell
  inns "$NS_INET" timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    head -c 4 <&3 | od -An -tx1 | tr -d " \n"
  ' "$LAN6" "$port"
}

race() {
  # The first two bytes of a request to UDP 5351: NAT-PMP's are version 0 and opcode 2 (map
  # TCP), PCP's version 2 and opcode 1 (MAP); the answers' are 0/130 and 2/129.
  local map_asked='udp dport 5351 @th,64,16 { 0x0002, 0x0201 }'
  local map_answered='udp sport 5351 @th,64,16 { 0x0082, 0x0281 }'
  local upnp_http="tcp dport $HTTP_PORT ip length > 100"
  release
  case $1 in
    pcp-first)
      # HTTP segments longer than 100 bytes carry a request (bare SYNs and ACKs are shorter).
      inns "$NS_LAN" nft -f - <<NFT
table inet rtlab_race {
  set upnp_asking { type ipv4_addr; flags dynamic; }
  set control_answered { type ipv4_addr; flags dynamic; }
  chain output {
    type filter hook output priority 0;
    $upnp_http ip daddr != @control_answered add @upnp_asking { ip daddr } drop
    $map_asked ip daddr != @upnp_asking drop
  }
  chain input {
    type filter hook input priority 0;
    $map_answered add @control_answered { ip saddr }
  }
}
NFT
      ;;
    upnp-first)
      inns "$NS_LAN" nft -f - <<NFT
table inet rtlab_race {
  chain output {
    type filter hook output priority 0;
    $map_asked drop
  }
}
NFT
      ;;
    *) echo "unknown race $1" >&2; exit 2 ;;
  esac
}

release() {
  inns "$NS_LAN" nft delete table inet rtlab_race 2>/dev/null || true
  inns "$NS_LAN" nft delete table inet rtlab_nopcp 2>/dev/null || true
}

no_pcp() {
  inns "$NS_LAN" nft -f - <<NFT
table inet rtlab_nopcp {
  chain output {
    type filter hook output priority 0;
    udp dport 5351 @th,64,8 2 drop
  }
}
NFT
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down ;;
  mappings) mappings ;;
  pinholes) pinholes ;;
  wan6-probe) wan6_probe "${2:-}" ;;
  no-pcp) no_pcp ;;
  upnp-list) upnp_list ;;
  log) log ;;
  wan-probe) wan_probe "${2:-}" ;;
  race) race "${2:-}" ;;
  release) release ;;
  exec)
    shift
    which=${1:-}; shift || true
    case $which in lan) ns=$NS_LAN ;; router) ns=$NS_R ;; inet) ns=$NS_INET ;; *) exit 2 ;; esac
    exec ip netns exec "$ns" "$@"
    ;;
  *) echo "usage: $0 up MODE | down | mappings | pinholes | upnp-list | log | wan-probe PORT | wan6-probe PORT | race WHO | no-pcp | release | exec lan|router|inet CMD..."; exit 2 ;;
esac
