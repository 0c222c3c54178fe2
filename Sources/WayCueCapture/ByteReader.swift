import Foundation

/// Buffered reading of lines and fixed-size blocks from a file or pipe.
final class ByteReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private let chunk: Int
    /// Bytes consumed so far, for error messages.
    private(set) var offset = 0

    init(handle: FileHandle, chunk: Int = 1 << 20) {
        self.handle = handle
        self.chunk = chunk
    }

    /// Reads more data; returns false at the end of the input.
    private func fill() throws -> Bool {
        guard !atEnd else { return false }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        let data = try handle.read(upToCount: chunk) ?? Data()
        if data.isEmpty {
            atEnd = true
            return false
        }
        buffer.append(contentsOf: data)
        return true
    }

    /// The bytes up to (not including) the next newline; `nil` at the end of the input.
    /// A line longer than `limit` bytes is an error: the input is not what it claims to be.
    func readLine(limit: Int) throws -> [UInt8]? {
        var scanned = position
        while true {
            if let newline = buffer[scanned...].firstIndex(of: 0x0A) {
                let line = Array(buffer[position..<newline])
                offset += newline + 1 - position
                position = newline + 1
                return line
            }
            scanned = buffer.count
            if scanned - position > limit { throw ByteReaderError.lineTooLong(limit) }
            let oldPosition = position
            if try !fill() {
                if buffer.count == position { return nil }
                let line = Array(buffer[position...])
                offset += buffer.count - position
                position = buffer.count
                return line
            }
            scanned -= oldPosition  // fill() moved the data to the front
        }
    }

    /// Exactly `count` bytes; `nil` when the input ends first (the partial block is consumed).
    func read(_ count: Int) throws -> [UInt8]? {
        while buffer.count - position < count {
            if try !fill() {
                offset += buffer.count - position
                position = buffer.count
                return nil
            }
        }
        let block = Array(buffer[position..<position + count])
        position += count
        offset += count
        return block
    }
}

enum ByteReaderError: Error {
    case lineTooLong(Int)
}
