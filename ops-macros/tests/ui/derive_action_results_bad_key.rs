#[derive(ops_core::ActionResults)]
struct Report {
    path: String,
    #[result(rename = "Exit_Code")]
    code: i32,
}

fn main() {}
