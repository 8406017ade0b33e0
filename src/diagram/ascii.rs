//! The plain-text drawing, in the box style of the reference architecture's diagrams.
//!
//! The request path runs down one column on the left: Route53 (and CloudFront) → WAF →
//! ALB → ECS tasks → RDS, crossing the VPC's public, private and database tiers. Beside it,
//! in each tier, what else lives there (NAT gateways or VPC endpoints, the standby, the
//! cache); the frontend and the images CDN have columns of their own at the top, and
//! monitoring and backups sit under the VPC. Every position is computed from the widths
//! of the boxes, so the drawing stays aligned whatever the names, and no line is wider
//! than [`WIDTH`].

use super::canvas::{Canvas, Rect, box_width};
use super::picture::{CachePicture, EgressPicture, Node, Picture, SubnetTier};
use crate::config::CacheSubnets;

/// The widest line of the drawing.
pub const WIDTH: usize = 96;
/// The column the request path runs down.
const PATH_X: usize = 22;
/// The widest box on the request path: from column 4 to 40, inside the tier borders.
const PATH_BOX: usize = 36;
/// The VPC's border is at column 0, each tier's at 2; boxes inside a tier end by this
/// column.
const CONTENT_RIGHT: usize = WIDTH - 5;
/// Room between the request path's boxes and what stands beside them.
const BESIDE_GAP: usize = 5;
/// Room between two boxes in a row: enough for an arrow, `──►`.
const ROW_GAP: usize = 3;
/// The widest box under the VPC.
const OPERATIONS_BOX: usize = 40;
/// The columns beside the request path above the VPC, (centre, widest box): the images
/// CDN and the frontend when there is an images CDN, else the frontend alone.
const IMAGES_COLUMN: (usize, usize) = (56, 24);
const FRONTEND_BESIDE_IMAGES: (usize, usize) = (82, 24);
const FRONTEND_ALONE: (usize, usize) = (70, 40);

/// A column of boxes above the VPC, linked top to bottom.
struct Column<'p> {
    center: usize,
    max_width: usize,
    nodes: Vec<&'p Node>,
    /// The label of the link from the users into the column.
    label: Option<&'p str>,
}

pub fn render(picture: &Picture) -> String {
    let mut canvas = Canvas::new(WIDTH);
    let mut y = 0;
    let presets = if picture.presets.is_empty() { "none".to_string() } else { picture.presets.join(", ") };
    let header = [format!("{}: {}", picture.name, picture.summary), format!("presets: {presets}")];
    for line in header.iter().flat_map(|line| wrap(line, WIDTH)) {
        canvas.text(0, y, &line);
        y += 1;
    }
    let columns = columns(picture);
    let (request_path_end, columns_bottom) = draw_entry(&mut canvas, picture, &columns, y + 1);
    let vpc_bottom = draw_vpc(&mut canvas, picture, request_path_end, columns_bottom + 2);
    draw_operations(&mut canvas, picture, vpc_bottom + 2);
    canvas.render()
}

/// The columns above the VPC: the API's path, the images CDN when there is one, the
/// frontend.
fn columns(picture: &Picture) -> Vec<Column<'_>> {
    let label = |node: &Node| picture.link_label(&picture.users, node);
    let mut api = vec![&picture.api_dns];
    api.extend(&picture.api_cdn);
    api.push(&picture.waf);
    let api = Column { center: PATH_X, max_width: PATH_BOX, nodes: api, label: label(&picture.api_dns) };
    let frontend_nodes = vec![&picture.frontend_dns, &picture.amplify];
    let frontend_label = label(&picture.frontend_dns);
    let column = |(center, max_width): (usize, usize), nodes, label| Column { center, max_width, nodes, label };
    match &picture.images {
        Some(images) => vec![
            api,
            column(IMAGES_COLUMN, vec![&images.cdn, &images.bucket], label(&images.cdn)),
            column(FRONTEND_BESIDE_IMAGES, frontend_nodes, frontend_label),
        ],
        None => vec![api, column(FRONTEND_ALONE, frontend_nodes, frontend_label)],
    }
}

/// The users and the columns under them; returns the last box of the request path and
/// the lowest row drawn.
fn draw_entry(canvas: &mut Canvas, picture: &Picture, columns: &[Column<'_>], top: usize) -> (Rect, usize) {
    let (first, last) = (columns[0].center, columns[columns.len() - 1].center);
    let users_x = (first + last) / 2;
    let users = centered_box(canvas, users_x, top, &picture.users.lines, WIDTH);
    let branch = users.bottom() + 1;
    canvas.vline(users_x, users.bottom(), branch);
    canvas.hline(branch, first, last);

    let mut request_path_end = users;
    let mut bottom = branch;
    for (index, column) in columns.iter().enumerate() {
        if let Some(label) = column.label {
            canvas.text(column.center + 2, branch + 1, label);
        }
        let mut above = branch;
        for node in &column.nodes {
            let rect = centered_box(canvas, column.center, above + 2, &node.lines, column.max_width);
            canvas.arrow_down(column.center, above, rect);
            above = rect.bottom();
            if index == 0 {
                request_path_end = rect;
            }
        }
        bottom = bottom.max(above);
    }
    (request_path_end, bottom)
}

/// The VPC and its three tiers; returns the row of its bottom border.
fn draw_vpc(canvas: &mut Canvas, picture: &Picture, entry: Rect, top: usize) -> usize {
    let path_lines = |node: &Node| fit_lines(&node.lines, PATH_BOX - 4);
    let (alb, tasks, database) = (path_lines(&picture.alb), path_lines(&picture.tasks), path_lines(&picture.database));
    // What stands beside the request path starts at one column in every tier, so the
    // tiers' titles line up.
    let right_border = |lines: &Vec<String>| PATH_X - box_width(lines) / 2 + box_width(lines) - 1;
    let beside_x = [&alb, &tasks, &database].into_iter().map(right_border).max().unwrap_or(PATH_X) + BESIDE_GAP;
    let beside_width = CONTENT_RIGHT + 1 - beside_x;
    let fit = |node: &Node| fit_lines(&node.lines, beside_width - 4);

    let mut y = top + 1;
    for line in wrap(&picture.vpc_title, beside_width) {
        canvas.text(beside_x, y, &line);
        y += 1;
    }

    // Public: the load balancer; beside it the NAT gateways and the internet gateway.
    let mut beside = Vec::new();
    let nat = match &picture.egress {
        EgressPicture::NatGateways { summary, .. } => {
            beside.push(fit(summary));
            true
        }
        EgressPicture::Endpoints(_) => false,
    };
    beside.push(fit(&picture.internet_gateway));
    let public = draw_tier(canvas, &picture.public, y + 1, beside_x, &alb, &beside);
    canvas.arrow_down(PATH_X, entry.bottom(), public.path_box);
    if nat && let [nat_box, gateway, ..] = public.beside[..] {
        canvas.arrow_right(nat_box.y + 1, nat_box, gateway, false);
    }

    // Private: the tasks; beside them the VPC endpoints and, when it lives here, the cache.
    let mut beside = Vec::new();
    if let EgressPicture::Endpoints(endpoints) = &picture.egress {
        beside.push(fit(endpoints));
    }
    beside.push(fit(&picture.s3_endpoint));
    let cache = picture.cache.as_ref();
    if let Some(cache) = cache.filter(|c| c.subnets == CacheSubnets::Private) {
        beside.push(fit(&cache.summary));
    }
    let private = draw_tier(canvas, &picture.private, public.rect.bottom() + 2, beside_x, &tasks, &beside);
    connect_down(canvas, public.path_box, &private, picture.link_label(&picture.alb, &picture.tasks));
    if nat && let Some(nat_box) = public.beside.first() {
        // Private subnets send their outbound traffic up to the NAT gateways.
        canvas.vline(nat_box.center_x(), nat_box.bottom(), private.rect.y);
        canvas.text(nat_box.center_x(), nat_box.bottom(), "▲");
    }
    if let Some(first) = private.beside.first() {
        canvas.arrow_right(private.path_box.y + 1, private.path_box, *first, false);
    }

    // Database: the primary; beside it the standby and, when it lives here, the cache.
    let mut beside = Vec::new();
    beside.extend(picture.standby.as_ref().map(fit));
    beside.extend(cache.filter(|c| c.subnets == CacheSubnets::Database).map(|c: &CachePicture| fit(&c.summary)));
    let data = draw_tier(canvas, &picture.database_subnets, private.rect.bottom() + 2, beside_x, &database, &beside);
    connect_down(canvas, private.path_box, &data, picture.link_label(&picture.tasks, &picture.database));
    if picture.standby.is_some()
        && let Some(standby) = data.beside.first()
    {
        canvas.arrow_right(data.path_box.y + 1, data.path_box, *standby, true);
    }

    let vpc = Rect { x: 0, y: top, width: WIDTH, height: data.rect.bottom() + 3 - top };
    canvas.rect(vpc);
    vpc.bottom()
}

/// A tier as drawn: its border, the request path's box and the boxes beside it.
struct DrawnTier {
    rect: Rect,
    path_box: Rect,
    beside: Vec<Rect>,
}

/// A tier's border with its title and subnets, the request path's box on the left and the
/// other boxes in rows beside it.
fn draw_tier(
    canvas: &mut Canvas,
    tier: &SubnetTier,
    top: usize,
    beside_x: usize,
    path_lines: &[String],
    beside: &[Vec<String>],
) -> DrawnTier {
    let mut y = top + 1;
    for line in wrap(&tier.heading(), CONTENT_RIGHT + 1 - beside_x) {
        canvas.text(beside_x, y, &line);
        y += 1;
    }
    let path_box = centered_box(canvas, PATH_X, y, path_lines, PATH_BOX);
    let mut boxes = Vec::new();
    let (mut x, mut row_top, mut row_bottom) = (beside_x, y, y);
    for lines in beside {
        let width = box_width(lines);
        if x > beside_x && x + width - 1 > CONTENT_RIGHT {
            (x, row_top) = (beside_x, row_bottom + 2);
        }
        let rect = canvas.boxed(x, row_top, width, lines);
        row_bottom = row_bottom.max(rect.bottom());
        x = rect.right() + 1 + ROW_GAP;
        boxes.push(rect);
    }
    let bottom = path_box.bottom().max(row_bottom) + 1;
    let rect = Rect { x: 2, y: top, width: WIDTH - 4, height: bottom + 1 - top };
    canvas.rect(rect);
    DrawnTier { rect, path_box, beside: boxes }
}

/// The request path from a box down to the next tier's, labelled in the row between the
/// two tiers.
fn connect_down(canvas: &mut Canvas, from: Rect, to: &DrawnTier, label: Option<&str>) {
    canvas.arrow_down(PATH_X, from.bottom(), to.path_box);
    if let Some(label) = label {
        canvas.text(PATH_X + 2, to.rect.y - 1, label);
    }
}

/// Alarms and where they go; backups and their copy; the keys.
fn draw_operations(canvas: &mut Canvas, picture: &Picture, top: usize) {
    let fit = |lines: &[String]| fit_lines(lines, OPERATIONS_BOX - 4);
    let mut chain = vec![fit(&picture.alarms.lines), fit(&picture.sns.lines)];
    let destinations: Vec<String> = picture.alarm_destinations.iter().flat_map(|n| n.lines.iter().cloned()).collect();
    if !destinations.is_empty() {
        chain.push(fit(&destinations));
    }
    let alarms = draw_chain(canvas, 2, top, &chain);

    let mut chain = vec![fit(&picture.backup.lines)];
    chain.extend(picture.backup_copy.as_ref().map(|copy| fit(&copy.lines)));
    let top = alarms.iter().map(Rect::bottom).max().unwrap_or(top) + 2;
    let backups = draw_chain(canvas, 2, top, &chain);
    let keys_x = backups.last().map_or(2, |last| last.right() + 1 + ROW_GAP);
    canvas.boxed(keys_x, top, 0, &fit(&picture.kms.lines));
}

/// Boxes in a row from column `x`, each linked to the next by an arrow.
fn draw_chain(canvas: &mut Canvas, mut x: usize, top: usize, boxes: &[Vec<String>]) -> Vec<Rect> {
    let mut rects: Vec<Rect> = Vec::new();
    for lines in boxes {
        let rect = canvas.boxed(x, top, 0, lines);
        if let Some(previous) = rects.last() {
            canvas.arrow_right(top + 1, *previous, rect, false);
        }
        x = rect.right() + 1 + ROW_GAP;
        rects.push(rect);
    }
    rects
}

/// A box centred on column `center`, its lines cut to fit `max_width`.
fn centered_box(canvas: &mut Canvas, center: usize, top: usize, lines: &[String], max_width: usize) -> Rect {
    let lines = fit_lines(lines, max_width - 4);
    let width = box_width(&lines);
    canvas.boxed(center - width / 2, top, width, &lines)
}

fn fit_lines(lines: &[String], width: usize) -> Vec<String> {
    lines.iter().map(|line| fit(line, width)).collect()
}

/// The line, cut with `…` when it is longer than `width` characters.
fn fit(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        line.to_string()
    } else {
        line.chars().take(width.saturating_sub(1)).chain(std::iter::once('…')).collect()
    }
}

/// Words into lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let needed =
            if current.is_empty() { word.chars().count() } else { current.chars().count() + 1 + word.chars().count() };
        if needed > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines.into_iter().map(|line| fit(&line, width)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_and_words_wrapped() {
        assert_eq!(fit("api.example.com", 10), "api.examp…");
        assert_eq!(fit("short", 10), "short");
        assert_eq!(
            wrap("VPC 10.0.0.0/16, ap-northeast-1a + ap-northeast-1c", 30),
            ["VPC 10.0.0.0/16,", "ap-northeast-1a +", "ap-northeast-1c"]
        );
    }
}
