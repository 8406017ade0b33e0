//! A grid of characters to draw boxes and lines on, with box-drawing characters.
//!
//! Lines are kept as the directions they leave each cell in, not as characters, so where
//! a connector meets a box border or crosses another line the right junction (`┬`, `┼`,
//! ...) comes out by itself instead of being chosen at every call site.

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Empty,
    /// Line directions leaving the cell, as `UP | DOWN | LEFT | RIGHT` bits.
    Line(u8),
    /// Text or an arrowhead: it wins over lines.
    Char(char),
}

/// A rectangle on the canvas, borders included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

impl Rect {
    /// The column a connector meets the box at.
    pub fn center_x(&self) -> usize {
        self.x + self.width / 2
    }

    pub fn right(&self) -> usize {
        self.x + self.width - 1
    }

    pub fn bottom(&self) -> usize {
        self.y + self.height - 1
    }
}

/// Characters drawn on a fixed width, growing downwards as needed.
#[derive(Debug, Clone)]
pub struct Canvas {
    width: usize,
    rows: Vec<Vec<Cell>>,
}

impl Canvas {
    pub fn new(width: usize) -> Canvas {
        Canvas { width, rows: Vec::new() }
    }

    fn cell(&mut self, x: usize, y: usize) -> &mut Cell {
        assert!(x < self.width, "drawing at column {x}, outside a canvas {} wide", self.width);
        while self.rows.len() <= y {
            self.rows.push(vec![Cell::Empty; self.width]);
        }
        &mut self.rows[y][x]
    }

    fn add_line(&mut self, x: usize, y: usize, directions: u8) {
        let cell = self.cell(x, y);
        *cell = match *cell {
            Cell::Empty => Cell::Line(directions),
            Cell::Line(existing) => Cell::Line(existing | directions),
            text @ Cell::Char(_) => text,
        };
    }

    /// Writes text from `(x, y)` on, over whatever is there.
    pub fn text(&mut self, x: usize, y: usize, text: &str) {
        for (i, c) in text.chars().enumerate() {
            *self.cell(x + i, y) = Cell::Char(c);
        }
    }

    /// A horizontal line from `x0` to `x1`, both included.
    pub fn hline(&mut self, y: usize, x0: usize, x1: usize) {
        let (x0, x1) = (x0.min(x1), x0.max(x1));
        for x in x0..=x1 {
            let left = if x > x0 { LEFT } else { 0 };
            let right = if x < x1 { RIGHT } else { 0 };
            self.add_line(x, y, left | right);
        }
    }

    /// A vertical line from `y0` to `y1`, both included.
    pub fn vline(&mut self, x: usize, y0: usize, y1: usize) {
        let (y0, y1) = (y0.min(y1), y0.max(y1));
        for y in y0..=y1 {
            let up = if y > y0 { UP } else { 0 };
            let down = if y < y1 { DOWN } else { 0 };
            self.add_line(x, y, up | down);
        }
    }

    /// The border of a rectangle.
    pub fn rect(&mut self, rect: Rect) {
        let (right, bottom) = (rect.right(), rect.bottom());
        self.hline(rect.y, rect.x, right);
        self.hline(bottom, rect.x, right);
        self.vline(rect.x, rect.y, bottom);
        self.vline(right, rect.y, bottom);
    }

    /// A box around `lines` with its top-left corner at `(x, y)`, `width` wide (at least
    /// wide enough for the longest line and a space either side).
    pub fn boxed(&mut self, x: usize, y: usize, width: usize, lines: &[String]) -> Rect {
        let rect = Rect { x, y, width: width.max(box_width(lines)), height: lines.len() + 2 };
        self.rect(rect);
        for (i, line) in lines.iter().enumerate() {
            self.text(x + 2, y + 1 + i, line);
        }
        rect
    }

    /// A connector from `(x, from_y)` down into the top border of `to`, ending in `▼`.
    pub fn arrow_down(&mut self, x: usize, from_y: usize, to: Rect) {
        self.vline(x, from_y, to.y);
        self.text(x, to.y, "▼");
    }

    /// An arrow on row `y` from the right border of `from` to the left border of `to`,
    /// `─►`, or `◄─►` when it goes both ways.
    pub fn arrow_right(&mut self, y: usize, from: Rect, to: Rect, both_ways: bool) {
        let (start, end) = (from.right() + 1, to.x - 1);
        for x in start..=end {
            self.text(x, y, "─");
        }
        self.text(end, y, "►");
        if both_ways {
            self.text(start, y, "◄");
        }
    }

    /// The drawing, without trailing spaces, ending with a newline.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for row in &self.rows {
            let line: String = row.iter().map(|cell| glyph(*cell)).collect();
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

/// The width of a box around these lines: borders and a space either side.
pub fn box_width(lines: &[String]) -> usize {
    lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 4
}

fn glyph(cell: Cell) -> char {
    match cell {
        Cell::Empty => ' ',
        Cell::Char(c) => c,
        Cell::Line(bits) => match bits {
            b if b == LEFT | RIGHT || b == LEFT || b == RIGHT => '─',
            b if b == UP | DOWN || b == UP || b == DOWN => '│',
            b if b == DOWN | RIGHT => '┌',
            b if b == DOWN | LEFT => '┐',
            b if b == UP | RIGHT => '└',
            b if b == UP | LEFT => '┘',
            b if b == UP | DOWN | RIGHT => '├',
            b if b == UP | DOWN | LEFT => '┤',
            b if b == DOWN | LEFT | RIGHT => '┬',
            b if b == UP | LEFT | RIGHT => '┴',
            _ => '┼',
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junctions_come_from_the_lines_that_meet() {
        let mut canvas = Canvas::new(12);
        let top = canvas.boxed(0, 0, 9, &["one".to_string()]);
        let bottom = canvas.boxed(0, 4, 9, &["two".to_string()]);
        canvas.arrow_down(top.center_x(), top.bottom(), bottom);
        assert_eq!(canvas.render(), "┌───────┐\n│ one   │\n└───┬───┘\n    │\n┌───▼───┐\n│ two   │\n└───────┘\n");
    }

    #[test]
    fn a_line_crossing_a_border_makes_a_cross() {
        let mut canvas = Canvas::new(5);
        canvas.hline(1, 0, 4);
        canvas.vline(2, 0, 2);
        assert_eq!(canvas.render(), "  │\n──┼──\n  │\n");
    }
}
