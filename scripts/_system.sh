# Sourced by test.sh: Debian packages the tests use (a real browser, Thai fonts, PDF tools).
DEBIAN_PACKAGES=(chromium chromium-driver fonts-thai-tlwg fonts-tlwg-laksaman poppler-utils)
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "error: the tests need these Debian packages: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
