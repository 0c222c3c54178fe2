import Foundation

/// Finds firmware profiles by name in a list of folders, first match wins.
///
/// The canonical profiles live in the repository's `firmware-profiles/` folder; they are not
/// compiled into the binary. ``defaultDirectories(environment:currentDirectory:executable:)``
/// lists where the `waycue` command looks, so that it finds them in a checkout, next to an
/// installed binary and on a board set up by a bundle's `install.sh`.
public struct ProfileCatalog: Sendable {
    /// The folders searched, in order.
    public var directories: [URL]

    /// Creates a catalog over `directories`.
    public init(directories: [URL]) {
        self.directories = directories
    }

    /// The folder `install.sh` copies profiles to on a board.
    public static let installedDirectory = "/usr/local/share/waycue/firmware-profiles"

    /// Where to look, in order:
    /// 1. `$WAYCUE_PROFILES` (a folder),
    /// 2. `firmware-profiles/` in the current folder and each of its parents (a checkout),
    /// 3. `firmware-profiles/` beside the executable and in each folder above it
    ///    (`.build/release/waycue` in a checkout),
    /// 4. `../share/waycue/firmware-profiles` relative to the executable's folder,
    /// 5. ``installedDirectory`` and `/etc/waycue/profiles`.
    public static func defaultDirectories(environment: [String: String], currentDirectory: URL,
                                          executable: URL?) -> [URL] {
        var result: [URL] = []
        func add(_ url: URL) {
            let url = url.standardizedFileURL
            if !result.contains(url) { result.append(url) }
        }
        if let custom = environment["WAYCUE_PROFILES"], !custom.isEmpty {
            add(URL(fileURLWithPath: custom, isDirectory: true))
        }
        for folder in ancestors(of: currentDirectory) {
            add(folder.appendingPathComponent("firmware-profiles", isDirectory: true))
        }
        if let executable {
            let bin = executable.resolvingSymlinksInPath().deletingLastPathComponent()
            for folder in ancestors(of: bin) {
                add(folder.appendingPathComponent("firmware-profiles", isDirectory: true))
            }
            add(bin.deletingLastPathComponent().appendingPathComponent("share/waycue/firmware-profiles",
                                                                        isDirectory: true))
        }
        add(URL(fileURLWithPath: installedDirectory, isDirectory: true))
        add(URL(fileURLWithPath: "/etc/waycue/profiles", isDirectory: true))
        return result
    }

    private static func ancestors(of folder: URL) -> [URL] {
        var result: [URL] = []
        var current = folder.standardizedFileURL
        for _ in 0..<12 {
            result.append(current)
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { break }
            current = parent
        }
        return result
    }

    /// The folders that exist.
    public var existingDirectories: [URL] {
        directories.filter { url in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }

    /// Every profile file found, by name (first folder wins), sorted by name.
    public func profileFiles() -> [(name: String, url: URL)] {
        var found: [String: URL] = [:]
        for folder in existingDirectories {
            let entries = (try? FileManager.default.contentsOfDirectory(
                at: folder, includingPropertiesForKeys: nil)) ?? []
            for url in entries where url.pathExtension == "yaml" {
                let name = url.deletingPathExtension().lastPathComponent
                if found[name] == nil { found[name] = url }
            }
        }
        return found.keys.sorted().map { ($0, found[$0]!) }
    }

    /// The file of the profile called `name`.
    ///
    /// - Throws: ``ProfileError/notFound(name:searched:)``.
    public func url(of name: String) throws(ProfileError) -> URL {
        guard let match = profileFiles().first(where: { $0.name == name }) else {
            throw .notFound(name: name, searched: directories.map(\.path))
        }
        return match.url
    }

    /// Loads and validates the profile called `name`.
    public func load(_ name: String) throws(ProfileError) -> FirmwareProfile {
        try ProfileLoader.load(contentsOf: try url(of: name))
    }
}
