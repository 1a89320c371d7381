//! Loading a file set: read the main file, follow its includes (relative to
//! the including file, then the `-I` directories), detect cycles, parse each
//! file once, and hand the trees to the resolver.
//!
//! Sources are the file system or an in-memory map of path → content (what a
//! gateway that receives IDL over the wire has). Either way, one load yields
//! one [`Schema`].

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::Schema;
use super::resolve;
use crate::idl::ast::Document;
use crate::idl::{IdlError, IdlErrorKind, ParseOptions, parse};

/// Options of a load.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Options passed to the parser.
    pub parse: ParseOptions,
}

/// Loads IDL file sets into [`Schema`]s.
#[derive(Clone, Debug, Default)]
pub struct Loader {
    include_dirs: Vec<PathBuf>,
    options: LoadOptions,
}

/// One parsed file, alive only during a load.
pub(crate) struct ParsedFile {
    pub name: Arc<str>,
    pub source: String,
    pub document: Document,
    /// Indices (into the load's file list) of the files it includes, in the
    /// order of its `include` headers.
    pub includes: Vec<usize>,
}

trait Source {
    fn read(&self, path: &Path) -> Option<Result<String, String>>;
}

struct FileSystem;

impl Source for FileSystem {
    fn read(&self, path: &Path) -> Option<Result<String, String>> {
        if !path.is_file() {
            return None;
        }
        Some(std::fs::read_to_string(path).map_err(|e| e.to_string()))
    }
}

/// The caller's map, by normalized path; contents are borrowed, and copied
/// once when a file is read, as the file system's are.
struct Memory<'a>(HashMap<String, &'a str>);

impl Source for Memory<'_> {
    fn read(&self, path: &Path) -> Option<Result<String, String>> {
        let key = path.to_string_lossy();
        self.0.get(key.as_ref()).map(|s| Ok((*s).to_string()))
    }
}

impl Loader {
    /// A loader with no include directories.
    pub fn new() -> Self {
        Loader::default()
    }

    /// Adds a directory searched for includes after the including file's own directory.
    pub fn include_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.include_dirs.push(dir.into());
        self
    }

    /// Sets the options.
    pub fn options(mut self, options: LoadOptions) -> Self {
        self.options = options;
        self
    }

    /// Loads `path` and everything it includes from the file system.
    ///
    /// # Errors
    /// A positioned [`IdlError`] for unreadable files, missing includes,
    /// include cycles, syntax errors and resolution errors.
    pub fn load_file(&self, path: impl AsRef<Path>) -> Result<Arc<Schema>, IdlError> {
        self.load_with(&FileSystem, path.as_ref())
    }

    /// Loads `main` from an in-memory map of path → content; includes are
    /// resolved against the keys of the map the same way as on disk.
    ///
    /// # Errors
    /// As [`Loader::load_file`].
    pub fn load_map(&self, main: &str, files: &HashMap<String, String>) -> Result<Arc<Schema>, IdlError> {
        let normalized: HashMap<String, &str> =
            files.iter().map(|(k, v)| (normalize(Path::new(k)).to_string_lossy().into_owned(), v.as_str())).collect();
        self.load_with(&Memory(normalized), Path::new(main))
    }

    fn load_with(&self, source: &dyn Source, main: &Path) -> Result<Arc<Schema>, IdlError> {
        let main = normalize(main);
        let name: Arc<str> = Arc::from(main.to_string_lossy().as_ref());
        let text = match source.read(&main) {
            Some(Ok(t)) => t,
            Some(Err(e)) => return Err(IdlError::in_file(IdlErrorKind::Io, &name, format!("cannot read: {e}"))),
            None => return Err(IdlError::in_file(IdlErrorKind::Io, &name, "no such file")),
        };
        let mut state = LoadState { files: Vec::new(), by_path: HashMap::new(), stack: Vec::new() };
        self.visit(source, &mut state, main, name, text)?;
        let files = state.files;
        resolve::resolve(files)
    }

    /// Parses one file and, depth first, the files it includes. Files are
    /// pushed in post-order, so every file comes after its includes; the main
    /// file is moved to the front at the end by the resolver's ordering.
    fn visit(
        &self,
        source: &dyn Source,
        state: &mut LoadState,
        path: PathBuf,
        name: Arc<str>,
        text: String,
    ) -> Result<usize, IdlError> {
        let document = parse(&name, &text, &self.options.parse)?;
        state.stack.push(path.clone());
        let mut includes = Vec::new();
        for inc in &document.includes {
            let found = self.find_include(source, &path, &inc.path.value);
            let Some((inc_path, inc_text)) = found else {
                return Err(IdlError::at(
                    IdlErrorKind::Io,
                    &name,
                    &text,
                    inc.span,
                    format!("cannot find included file `{}`", inc.path.value),
                ));
            };
            let inc_text = inc_text.map_err(|e| {
                IdlError::at(IdlErrorKind::Io, &name, &text, inc.span, format!("cannot read `{}`: {e}", inc.path.value))
            })?;
            if state.stack.contains(&inc_path) {
                return Err(IdlError::at(
                    IdlErrorKind::IncludeCycle,
                    &name,
                    &text,
                    inc.span,
                    format!("include cycle: `{}` includes itself through `{}`", inc_path.display(), path.display()),
                ));
            }
            let index = match state.by_path.get(&inc_path) {
                Some(&i) => i,
                None => {
                    let inc_name: Arc<str> = Arc::from(inc_path.to_string_lossy().as_ref());
                    self.visit(source, state, inc_path.clone(), inc_name, inc_text)?
                }
            };
            includes.push(index);
        }
        state.stack.pop();
        let index = state.files.len();
        state.files.push(ParsedFile { name, source: text, document, includes });
        state.by_path.insert(path, index);
        Ok(index)
    }

    fn find_include(
        &self,
        source: &dyn Source,
        from: &Path,
        include: &str,
    ) -> Option<(PathBuf, Result<String, String>)> {
        let base = from.parent().unwrap_or(Path::new(""));
        let candidates = std::iter::once(base.join(include)).chain(self.include_dirs.iter().map(|d| d.join(include)));
        for candidate in candidates {
            let candidate = normalize(&candidate);
            if let Some(text) = source.read(&candidate) {
                return Some((candidate, text));
            }
        }
        None
    }
}

struct LoadState {
    files: Vec<ParsedFile>,
    by_path: HashMap<PathBuf, usize>,
    stack: Vec<PathBuf>,
}

/// Removes `.` components and folds `dir/..`, without touching the file
/// system, so the same file reached by two paths is loaded once.
fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            c => out.push(c),
        }
    }
    out.iter().collect()
}
