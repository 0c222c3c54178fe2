import Foundation

/// A tensor whose value is known at import time (an initializer, a `Constant`, or the result
/// of folding shape arithmetic). Integers and floats are both held as `Double` (exact for
/// the integers shape arithmetic produces).
struct ConstantTensor: Sendable, Equatable {
    /// Dimensions (empty for a scalar).
    var dims: [Int]
    /// Row-major values, `dims.product` of them.
    var values: [Double]
    /// True for integer (and boolean) element types.
    var isInteger: Bool
    /// The ONNX element type when read from a tensor (nil when computed).
    var dataType: Int32? = nil

    /// Largest constant the importer accepts (elements).
    static let maxElements = 1 << 24

    var count: Int { values.count }
    var floats: [Float] { values.map { Float($0) } }
    /// Values as integers; NaN becomes 0 and magnitudes are clamped to 2^52 (no trap).
    var ints: [Int] { values.map { $0.isNaN ? 0 : Int(Swift.min(Swift.max($0, -4.5e15), 4.5e15)) } }

    static func scalar(_ v: Double, integer: Bool) -> ConstantTensor { ConstantTensor(dims: [], values: [v], isInteger: integer) }
    static func vector(_ v: [Int]) -> ConstantTensor { ConstantTensor(dims: [v.count], values: v.map(Double.init), isInteger: true) }

    /// Element count of `dims`, or nil when negative or too large.
    static func elementCount(_ dims: [Int]) -> Int? {
        var n = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (m, o) = n.multipliedReportingOverflow(by: d)
            guard !o, m <= maxElements else { return nil }
            n = m
        }
        return n
    }
}

/// ONNX `TensorProto.DataType` codes the importer reads.
enum ONNXDataType: Int32 {
    case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, string = 8, bool = 9
    case float16 = 10, double = 11, uint32 = 12, uint64 = 13
}

extension ConstantTensor {
    /// Decodes an ONNX tensor (`what` names it in errors).
    init(proto t: Onnx_TensorProto, what: String) throws(ONNXError) {
        func bad(_ r: String) -> ONNXError { .invalidModel("tensor '\(what)': \(r)") }
        guard t.dataLocation != .external else { throw bad("external data is not supported (save the model with weights inside)") }
        let dims = t.dims.map { $0 >= 0 && $0 <= Int64(ConstantTensor.maxElements) ? Int($0) : -1 }
        guard let n = ConstantTensor.elementCount(dims) else { throw bad("dims \(t.dims) negative or over \(ConstantTensor.maxElements) elements") }
        guard let type = ONNXDataType(rawValue: t.dataType) else { throw bad("unsupported data type \(t.dataType)") }
        let raw = t.rawData
        var values: [Double]
        func fromRaw<T>(_ size: Int, _ conv: (UnsafeRawBufferPointer, Int) -> Double, _: T.Type) throws(ONNXError) -> [Double] {
            guard raw.count == n * size else { throw bad("raw_data has \(raw.count) bytes, expected \(n * size) for dims \(dims)") }
            return raw.withUnsafeBytes { p in (0..<n).map { conv(p, $0 * size) } }
        }
        let useRaw = !raw.isEmpty
        switch type {
        case .float:
            if useRaw { values = try fromRaw(4, { Double(Float(bitPattern: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self).littleEndian)) }, Float.self) }
            else { values = t.floatData.map(Double.init) }
        case .double:
            if useRaw { values = try fromRaw(8, { Double(bitPattern: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self).littleEndian) }, Double.self) }
            else { values = t.doubleData }
        case .float16:
            if useRaw { values = try fromRaw(2, { Double(halfToFloat($0.loadUnaligned(fromByteOffset: $1, as: UInt16.self).littleEndian)) }, UInt16.self) }
            else { values = t.int32Data.map { Double(halfToFloat(UInt16(truncatingIfNeeded: $0))) } }
        case .int64:
            if useRaw { values = try fromRaw(8, { Double(Int64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int64.self))) }, Int64.self) }
            else { values = t.int64Data.map(Double.init) }
        case .uint64:
            if useRaw { values = try fromRaw(8, { Double(UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self))) }, UInt64.self) }
            else { values = t.uint64Data.map(Double.init) }
        case .int32:
            if useRaw { values = try fromRaw(4, { Double(Int32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int32.self))) }, Int32.self) }
            else { values = t.int32Data.map(Double.init) }
        case .uint32:
            if useRaw { values = try fromRaw(4, { Double(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self))) }, UInt32.self) }
            else { values = t.uint64Data.map(Double.init) }
        case .int8, .uint8, .bool:
            if useRaw { values = try fromRaw(1, { p, o in type == .int8 ? Double(Int8(bitPattern: p[o])) : Double(p[o]) }, UInt8.self) }
            else { values = t.int32Data.map(Double.init) }
        case .int16, .uint16:
            if useRaw { values = try fromRaw(2, { p, o in let u = p.loadUnaligned(fromByteOffset: o, as: UInt16.self).littleEndian; return type == .int16 ? Double(Int16(bitPattern: u)) : Double(u) }, UInt16.self) }
            else { values = t.int32Data.map(Double.init) }
        case .string: throw bad("string tensors are not supported")
        }
        guard values.count == n else { throw bad("holds \(values.count) values, dims \(dims) need \(n)") }
        let isInt = ![.float, .double, .float16].contains(type)
        self.init(dims: dims, values: values, isInteger: isInt, dataType: t.dataType)
    }
}

/// IEEE half to float.
func halfToFloat(_ h: UInt16) -> Float {
    let s = UInt32(h >> 15) << 31, e = Int((h >> 10) & 0x1F), m = UInt32(h & 0x3FF)
    if e == 0 { return (s != 0 ? -1 : 1) * Float(m) * powf(2, -24) }
    if e == 31 { return Float(bitPattern: s | 0x7F80_0000 | (m << 13)) }
    return Float(bitPattern: s | UInt32(e - 15 + 127) << 23 | (m << 13))
}
