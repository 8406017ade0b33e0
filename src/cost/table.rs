//! Aligned text tables and number formats for the cost output.

/// A table of text cells, each column as wide as its widest cell.
pub struct TextTable<const N: usize> {
    header: [String; N],
    /// Right-align the column (numbers).
    right: [bool; N],
    /// `None` is a horizontal rule.
    rows: Vec<Option<[String; N]>>,
}

impl<const N: usize> TextTable<N> {
    pub fn new(header: [&str; N], right: [bool; N]) -> Self {
        TextTable { header: header.map(str::to_string), right, rows: Vec::new() }
    }

    pub fn row(&mut self, cells: [String; N]) {
        self.rows.push(Some(cells));
    }

    pub fn rule(&mut self) {
        self.rows.push(None);
    }

    pub fn render(&self) -> String {
        let mut widths = self.header.clone().map(|h| h.chars().count());
        for row in self.rows.iter().flatten() {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[String; N]| {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let pad = widths[i] - cell.chars().count();
                if i > 0 {
                    text.push_str("  ");
                }
                if self.right[i] {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    if i + 1 < N {
                        text.push_str(&" ".repeat(pad));
                    }
                }
            }
            text.trim_end().to_string() + "\n"
        };
        let total_width = widths.iter().sum::<usize>() + 2 * (N - 1);
        let mut text = line(&self.header);
        for row in &self.rows {
            match row {
                Some(cells) => text.push_str(&line(cells)),
                None => text.push_str(&format!("{}\n", "-".repeat(total_width))),
            }
        }
        text
    }
}

/// Dollars with cents and thousands separators: `1,234.50`.
pub fn money(usd: f64) -> String {
    let cents = (usd * 100.0).round() as i64;
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.abs();
    format!("{sign}{}.{:02}", thousands(cents / 100), cents % 100)
}

/// Dollars for prose: `$81.96`, `-$1.50`.
pub fn dollars(usd: f64) -> String {
    let text = money(usd);
    match text.strip_prefix('-') {
        Some(positive) => format!("-${positive}"),
        None => format!("${text}"),
    }
}

/// A signed difference in dollars: `+31.80`, `-21.01`, `0.00`.
pub fn delta(usd: f64) -> String {
    if (usd * 100.0).round() > 0.0 { format!("+{}", money(usd)) } else { money(usd) }
}

/// A quantity: whole numbers without decimals, others with up to two: `5,840`, `486.67`,
/// `0.25`.
pub fn quantity(value: f64) -> String {
    let hundredths = (value * 100.0).round() as i64;
    let sign = if hundredths < 0 { "-" } else { "" };
    let hundredths = hundredths.abs();
    let whole = thousands(hundredths / 100);
    match hundredths % 100 {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

fn thousands(value: i64) -> String {
    let digits = value.to_string();
    let mut text = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(c);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(money(1234.5), "1,234.50");
        assert_eq!(money(0.004), "0.00");
        assert_eq!(money(-21.01), "-21.01");
        assert_eq!(delta(31.8), "+31.80");
        assert_eq!(dollars(-1.5), "-$1.50");
        assert_eq!(dollars(81.96), "$81.96");
        assert_eq!(delta(-0.001), "0.00");
        assert_eq!(quantity(5840.0), "5,840");
        assert_eq!(quantity(486.6667), "486.67");
        assert_eq!(quantity(0.25), "0.25");
        assert_eq!(quantity(0.5), "0.5");
        assert_eq!(quantity(1_000_000.0), "1,000,000");
    }

    #[test]
    fn columns_align() {
        let mut table = TextTable::new(["name", "usd"], [false, true]);
        table.row(["a".into(), "1.00".into()]);
        table.row(["longer".into(), "12.00".into()]);
        table.rule();
        assert_eq!(table.render(), "name      usd\na        1.00\nlonger  12.00\n-------------\n");
    }
}
