#[derive(ops_core::ActionResults)]
struct Report {
    exit_code: i32,
    #[result(rename = "exit-code")]
    code: i32,
}

fn main() {}
