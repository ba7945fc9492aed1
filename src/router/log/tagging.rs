//! STUB
use super::record::LogRecord;
use crate::types::ChatRequest;
use futures::future::BoxFuture;
/// Tagger.
pub trait Tagger: Send + Sync + 'static {
    /// Name.
    fn name(&self) -> &str;
    /// Tags.
    fn tag<'a>(
        &'a self,
        request: &'a ChatRequest,
        record: &'a LogRecord,
    ) -> BoxFuture<'a, Vec<String>>;
}
/// Builtin.
#[derive(Debug, Clone, Default)]
pub struct BuiltinTagger;
impl Tagger for BuiltinTagger {
    fn name(&self) -> &str {
        "builtin"
    }
    fn tag<'a>(&'a self, _r: &'a ChatRequest, rec: &'a LogRecord) -> BoxFuture<'a, Vec<String>> {
        let t = vec![
            if rec.stream {
                "stream".to_string()
            } else {
                "non_stream".to_string()
            },
            "topic:coding".to_string(),
        ];
        Box::pin(async move { t })
    }
}
