#!/bin/sh
# Installs the access point and the service on a Debian/Raspberry Pi OS board (run as root,
# from this folder, with the waycue binary already in /usr/local/bin).
set -eu
apt-get install -y hostapd dnsmasq espeak-ng
id waycue >/dev/null 2>&1 || useradd --system --home /var/lib/waycue --shell /usr/sbin/nologin waycue
install -m 0600 hostapd.conf /etc/hostapd/hostapd.conf
install -m 0644 10-waycue-ap.network /etc/systemd/network/10-waycue-ap.network
install -m 0644 dnsmasq.conf /etc/dnsmasq.d/waycue-glasses.conf
install -m 0644 waycue-glasses.service /etc/systemd/system/waycue-glasses.service
# wlan0 belongs to hostapd and systemd-networkd, not to NetworkManager or wpa_supplicant.
if command -v nmcli >/dev/null 2>&1; then nmcli device set wlan0 managed no || true; fi
systemctl disable --now wpa_supplicant@wlan0.service 2>/dev/null || true
rfkill unblock wlan || true
systemctl unmask hostapd
systemctl enable --now systemd-networkd hostapd dnsmasq
systemctl daemon-reload
systemctl enable --now waycue-glasses
echo "Access point up; status page at http://192.168.4.1:8081/ (from a phone joined to the glasses' Wi-Fi)"
