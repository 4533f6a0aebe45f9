// Debian packages by what needs them; scripts/lib/system-packages.ts installs them when it can.
export const LOCAL_MODEL_PACKAGES = ["ffmpeg", "pocketsphinx", "pocketsphinx-en-us"];
export const TEST_SYSTEM_PACKAGES = ["chromium", "redis-server", "libjemalloc2", "festival", "festvox-us-slt-hts", "curl", ...LOCAL_MODEL_PACKAGES];
