//! Errors found while reading charm YAML files, each with the `file:line:col` it points at.

use std::fmt;
use std::path::PathBuf;

/// One problem in a charm's YAML files.
///
/// Displays as `{message}\n --> {file}:{line}:{column}`, the way rustc shows a location, so a proc
/// macro can pass it through unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}\n --> {}:{line}:{column}", file.display())]
pub struct MetaError {
    /// The file, as it should be displayed (the path given to [`SourceFile`](crate::SourceFile)).
    pub file: PathBuf,
    /// 1-based line of the offending key or value (of the parent key when a key is missing).
    pub line: usize,
    /// 1-based column (in characters) of the offending key or value.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The keys leading to the problem, e.g. `["requires", "db", "interface"]`; list items appear as
    /// their 0-based index. Empty for problems with a whole file.
    pub key_path: Vec<String>,
}

impl MetaError {
    /// An error at `file:line:column` with no key path.
    pub fn new(
        file: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        MetaError {
            file: file.into(),
            line,
            column,
            message: message.into(),
            key_path: Vec::new(),
        }
    }

    /// The location as `file:line:column`.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Every problem found in a charm's YAML files (never empty when returned as an error).
///
/// Errors are ordered by file (metadata, config, actions), then by position in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", Joined(.0))]
pub struct MetaErrors(pub Vec<MetaError>);

impl MetaErrors {
    /// The errors.
    pub fn errors(&self) -> &[MetaError] {
        &self.0
    }

    /// How many errors there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no errors.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the errors.
    pub fn iter(&self) -> std::slice::Iter<'_, MetaError> {
        self.0.iter()
    }
}

impl From<MetaError> for MetaErrors {
    fn from(error: MetaError) -> Self {
        MetaErrors(vec![error])
    }
}

impl IntoIterator for MetaErrors {
    type Item = MetaError;
    type IntoIter = std::vec::IntoIter<MetaError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a MetaErrors {
    type Item = &'a MetaError;
    type IntoIter = std::slice::Iter<'a, MetaError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Displays errors separated by a blank line.
struct Joined<'a>(&'a [MetaError]);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_points_at_file_line_col() {
        let e = MetaError::new(
            "charm/metadata.yaml",
            3,
            5,
            "relation `db` has no `interface`",
        );
        assert_eq!(
            e.to_string(),
            "relation `db` has no `interface`\n --> charm/metadata.yaml:3:5"
        );
        assert_eq!(e.location(), "charm/metadata.yaml:3:5");
    }

    #[test]
    fn display_joins_all_errors() {
        let errors = MetaErrors(vec![
            MetaError::new("a.yaml", 1, 1, "first"),
            MetaError::new("b.yaml", 2, 3, "second"),
        ]);
        assert_eq!(
            errors.to_string(),
            "first\n --> a.yaml:1:1\n\nsecond\n --> b.yaml:2:3"
        );
        assert_eq!(errors.len(), 2);
        assert!(!errors.is_empty());
        let boxed: Box<dyn std::error::Error> = Box::new(errors);
        assert!(boxed.to_string().starts_with("first"));
    }
}
