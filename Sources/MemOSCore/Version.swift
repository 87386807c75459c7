/// The release of MemOS-Swift this build is: printed by `memos --version`, served by the gateway's `/healthz`,
/// and listed with what it contains in CHANGELOG.md.
public enum MemOSVersion {
    public static let current = "0.9.0"
}
