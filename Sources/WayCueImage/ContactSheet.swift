/// Tiles images into a grid with a caption under each, for annotated previews
/// (for example a page of detections to eyeball, written with ``Image/write(to:quality:)``).
///
/// Each image is scaled to fit its cell with its aspect ratio kept and centred on the
/// background; captions are drawn with ``BitmapFont`` and cut to the cell width with `...`.
/// The sheet is always RGB.
///
/// ```swift
/// let sheet = ContactSheet(columns: 4, cellWidth: 160, cellHeight: 120)
/// let page = sheet.render([(frame, "frame 12: crosswalk 0.91")])
/// try page.write(to: "preview.jpg")
/// ```
public struct ContactSheet: Sendable {
    /// Cells per row, at least 1.
    public var columns: Int
    /// Width of each image cell in pixels.
    public var cellWidth: Int
    /// Height of each image cell in pixels (the caption strip is added below it).
    public var cellHeight: Int
    /// Pixels between cells and around the sheet.
    public var spacing: Int
    /// Colour behind and between the cells.
    public var background: PixelColor
    /// Caption text colour.
    public var captionColor: PixelColor
    /// Caption font scale (1 gives 5x7 glyphs).
    public var captionScale: Int

    /// Creates a layout.
    public init(columns: Int, cellWidth: Int, cellHeight: Int, spacing: Int = 4,
                background: PixelColor = PixelColor(grey: 40), captionColor: PixelColor = .white,
                captionScale: Int = 1) {
        self.columns = columns
        self.cellWidth = cellWidth
        self.cellHeight = cellHeight
        self.spacing = spacing
        self.background = background
        self.captionColor = captionColor
        self.captionScale = captionScale
    }

    /// Height of the caption strip under each cell.
    public var captionHeight: Int { (BitmapFont.lineHeight + 3) * max(1, captionScale) }

    /// The position of cell `index`'s image area in the sheet.
    public func cellOrigin(_ index: Int) -> (x: Int, y: Int) {
        let columns = max(1, self.columns)
        let pitchX = max(1, cellWidth) + max(0, spacing)
        let pitchY = max(1, cellHeight) + captionHeight + max(0, spacing)
        return (max(0, spacing) + (index % columns) * pitchX, max(0, spacing) + (index / columns) * pitchY)
    }

    /// `caption` cut to `maxCharacters`, ending in `...` when cut.
    static func fit(_ caption: String, maxCharacters: Int) -> String {
        let oneLine = caption.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " ")
        guard oneLine.count > maxCharacters else { return oneLine }
        guard maxCharacters > 3 else { return String(oneLine.prefix(max(0, maxCharacters))) }
        return String(oneLine.prefix(maxCharacters - 3)) + "..."
    }

    /// Renders the tiles row by row. An empty list gives a sheet of one empty cell.
    public func render(_ tiles: [(image: Image, caption: String)]) -> Image {
        let columns = max(1, self.columns)
        let cellWidth = max(1, self.cellWidth), cellHeight = max(1, self.cellHeight)
        let spacing = max(0, self.spacing)
        let count = max(1, tiles.count)
        let usedColumns = min(columns, count)
        let rows = (count + columns - 1) / columns
        let sheetWidth = spacing + usedColumns * (cellWidth + spacing)
        let sheetHeight = spacing + rows * (cellHeight + captionHeight + spacing)
        var sheet = Image(width: sheetWidth, height: sheetHeight, format: .rgb8)
        sheet.fill(x0: 0, y0: 0, x1: sheetWidth, y1: sheetHeight, color: background)
        let scale = max(1, captionScale)
        let maxCharacters = max(0, (cellWidth + scale) / (BitmapFont.advance * scale))
        for (index, tile) in tiles.enumerated() {
            let origin = cellOrigin(index)
            let image = tile.image.converted(to: .rgb8)
            let fit = LetterboxTransform(sourceWidth: image.width, sourceHeight: image.height,
                                         targetWidth: cellWidth, targetHeight: cellHeight)
            image.resize(into: &sheet, x: origin.x + fit.offsetX, y: origin.y + fit.offsetY,
                         width: fit.resizedWidth, height: fit.resizedHeight)
            let caption = ContactSheet.fit(tile.caption, maxCharacters: maxCharacters)
            sheet.drawText(caption, x: origin.x, y: origin.y + cellHeight + 2 * scale, color: captionColor, scale: scale)
        }
        return sheet
    }

    /// Renders images without captions.
    public func render(_ images: [Image]) -> Image {
        render(images.map { ($0, "") })
    }
}
