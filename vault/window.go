package vault

// MaxAddressIndex is the last address index of each chain (receive and
// change) of a generation that this program uses: the window 0..1000. The
// coordinator hands out no index beyond it, exports it whole to Bitcoin
// Core, and the offline signer refuses change or remainder beyond it, so
// that funds never land where a restoring wallet would not look.
const MaxAddressIndex = 1000
