extension Graph {
    /// Renames a value (for example, the output whose name stores a detector head's
    /// description). Names are labels only: nothing in the graph refers to values by name.
    public mutating func rename(value id: Int, to name: String) {
        precondition(values.indices.contains(id), "no value \(id)")
        values[id].name = name
    }
}
