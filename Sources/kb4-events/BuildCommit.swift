/// The commit this binary was built from. `scripts/release.sh` builds from a copy of the committed tree and
/// replaces this file there with the commit's id; a plain `swift build` keeps this honest default.
enum BuildCommit {
    static let id: String? = nil
}
