//! Writes whole messages (frame, envelope, body) into a connection's write buffer.
//!
//! [`MessageWriter::write`] begins the frame with [`FrameEncoder`], writes the envelope,
//! lets the [`Codec`] encode the body in place and patches the frame's lengths with
//! [`finish_frame`]. The interpreter writes straight into the `BytesMut`; compiled code
//! writes a `Vec<u8>`, so for a type the JIT serves the body goes through a scratch vector
//! the writer keeps (one `memcpy`, no allocation once warm). If the body fails to encode
//! (a required field the handler left unset), the buffer is cut back to where the frame
//! began, so the caller can write something else in its place.

use bytes::{BufMut, BytesMut};
use thriftjit::engine::{Codec, Engine};
use thriftjit::error::EncodeError;
use thriftjit::value::StructRef;
use thriftjit::wire;

use crate::proto::{
    ApplicationException, Dialect, Envelope, FrameEncoder, FrameHeader, Limits, ProtoError, Protocol, finish_frame,
    write_envelope,
};

/// The codec crate's name for a protocol.
pub fn wire_protocol(p: Protocol) -> wire::Protocol {
    match p {
        Protocol::Binary => wire::Protocol::Binary,
        Protocol::Compact => wire::Protocol::Compact,
    }
}

/// Largest scratch vector kept between messages: 64 KiB. A writer that once encoded a
/// large message gives the memory back instead of holding it per connection.
pub const MAX_KEPT_SCRATCH: usize = 64 * 1024;

/// The body of a message.
#[derive(Clone, Copy)]
pub enum Body<'a> {
    /// A whole struct: `<method>_args` of a call, or `<method>_result` of a reply.
    Struct(StructRef<'a>),
    /// A `<method>_result` struct whose one set field, `id`, is the struct `value`. The
    /// server writes a struct-typed success or exception this way, without building the
    /// result struct around it.
    Field {
        /// The result field's id (0 for `success`).
        id: i16,
        /// The field's value.
        value: StructRef<'a>,
    },
    /// A `TApplicationException`.
    Exception(&'a ApplicationException),
    /// Nothing (a TTHeader control frame).
    Empty,
}

/// Why a message could not be written. The write buffer is as it was before.
#[derive(Debug)]
pub enum WriteError {
    /// The frame: a header that does not fit, a frame over the limit.
    Frame(ProtoError),
    /// The body: a required field unset, a union with several fields.
    Body(EncodeError),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Frame(e) => write!(f, "cannot frame the message: {e}"),
            WriteError::Body(e) => write!(f, "cannot encode the message: {e}"),
        }
    }
}

impl std::error::Error for WriteError {}

/// Encodes messages into write buffers; one per connection (it keeps the scratch vector).
#[derive(Debug, Default)]
pub struct MessageWriter {
    encoder: FrameEncoder,
    scratch: Vec<u8>,
}

impl MessageWriter {
    /// A writer applying `limits` to the frames it writes.
    pub fn new(limits: Limits) -> Self {
        MessageWriter { encoder: FrameEncoder::new(limits), scratch: Vec::new() }
    }

    /// Appends one whole message to `dst`.
    ///
    /// # Errors
    /// A [`WriteError`]; `dst` is then as it was.
    pub fn write(
        &mut self,
        codec: &Codec,
        dst: &mut BytesMut,
        dialect: Dialect,
        header: &FrameHeader,
        envelope: Option<&Envelope<'_>>,
        body: Body<'_>,
    ) -> Result<(), WriteError> {
        let token = self.encoder.begin(dst, dialect, header).map_err(WriteError::Frame)?;
        let start = token.start();
        let protocol = dialect.protocol;
        let result = (|| {
            if let Some(envelope) = envelope {
                write_envelope(protocol, envelope, dst).map_err(WriteError::Frame)?;
            }
            match body {
                Body::Struct(s) => self.put_struct(codec, &s, protocol, dst).map_err(WriteError::Body),
                Body::Field { id, value } => {
                    put_field_header(protocol, id, dst);
                    self.put_struct(codec, &value, protocol, dst).map_err(WriteError::Body)?;
                    dst.put_u8(0); // the result struct's stop
                    Ok(())
                }
                Body::Exception(e) => e.encode(protocol, dst).map_err(WriteError::Frame),
                Body::Empty => Ok(()),
            }
        })();
        if let Err(e) = result {
            dst.truncate(start);
            return Err(e);
        }
        finish_frame(token, dst).map_err(WriteError::Frame)
    }

    fn put_struct(
        &mut self,
        codec: &Codec,
        s: &StructRef<'_>,
        protocol: Protocol,
        dst: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        let p = wire_protocol(protocol);
        if codec.encode_engine(s.layout().id, p) == Engine::Jit {
            self.scratch.clear();
            let result = codec.encode(s, p, &mut self.scratch);
            if result.is_ok() {
                dst.extend_from_slice(&self.scratch);
            }
            if self.scratch.capacity() > MAX_KEPT_SCRATCH {
                self.scratch = Vec::new();
            }
            result
        } else {
            codec.encode_into(s, p, dst)
        }
    }
}

/// Type code of a struct field: 12 in Binary and in Compact alike.
const STRUCT_TYPE: u8 = 12;

/// The header of struct field `id` as the first field of a struct.
fn put_field_header(protocol: Protocol, id: i16, dst: &mut BytesMut) {
    match protocol {
        Protocol::Binary => {
            dst.put_u8(STRUCT_TYPE);
            dst.put_i16(id);
        }
        // Compact: the delta from the previous id (0 at a struct's start) fits the short
        // form for ids 1 to 15; otherwise the type alone, then the id as a zigzag varint.
        Protocol::Compact if (1..=15).contains(&id) => dst.put_u8(((id as u8) << 4) | STRUCT_TYPE),
        Protocol::Compact => {
            dst.put_u8(STRUCT_TYPE);
            let mut z = ((i32::from(id) << 1) ^ (i32::from(id) >> 31)) as u32;
            while z >= 0x80 {
                dst.put_u8((z as u8) | 0x80);
                z >>= 7;
            }
            dst.put_u8(z as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use thriftjit::engine::CodecConfig;
    use thriftjit::schema::Schema;
    use thriftjit::value::{Message, Value};

    use super::*;
    use crate::proto::{FrameHeader, MessageType, Transport};

    #[test]
    fn a_result_field_written_by_hand_matches_the_whole_result_struct() {
        let idl = "struct P { 1: i32 x, 2: string s } \
                   exception E1 { 1: i32 code } \
                   service S { P f() throws (1: E1 one, 15: E1 fifteen, 16: E1 sixteen, 300: E1 many) }";
        let schema = Schema::parse_str("t.thrift", idl).unwrap();
        let codec = Codec::new(schema.clone(), CodecConfig::default()).unwrap();
        let layouts = codec.layouts().clone();
        let method = schema.find_method(schema.service_by_name("S").unwrap(), "f").unwrap();
        let p = schema.struct_by_name("P").unwrap();
        let e1 = schema.struct_by_name("E1").unwrap();
        for protocol in [Protocol::Binary, Protocol::Compact] {
            for (id, ty, value) in [
                (0, p, Value::Struct(vec![(1, Value::I32(-3)), (2, Value::String("x".into()))])),
                (1, e1, Value::Struct(vec![(1, Value::I32(1))])),
                (15, e1, Value::Struct(vec![(1, Value::I32(15))])),
                (16, e1, Value::Struct(vec![(1, Value::I32(16))])),
                (300, e1, Value::Struct(vec![])),
            ] {
                let whole =
                    Message::from_value(layouts.clone(), method.result, &Value::Struct(vec![(id, value.clone())]))
                        .unwrap();
                let field = Message::from_value(layouts.clone(), ty, &value).unwrap();
                let dialect = Dialect { transport: Transport::Framed, protocol };
                let envelope = Envelope { name: "f", message_type: MessageType::Reply, seq_id: 1 };
                let mut writer = MessageWriter::new(Limits::default());
                let (mut a, mut b) = (BytesMut::new(), BytesMut::new());
                let h = FrameHeader::None;
                writer.write(&codec, &mut a, dialect, &h, Some(&envelope), Body::Struct(whole.root())).unwrap();
                let body = Body::Field { id, value: field.root() };
                writer.write(&codec, &mut b, dialect, &h, Some(&envelope), body).unwrap();
                assert_eq!(a, b, "{protocol:?} field {id}");
            }
        }
    }

    #[test]
    fn a_body_that_does_not_encode_leaves_the_buffer_as_it_was() {
        let schema = Schema::parse_str("t.thrift", "struct R { 1: required i32 x }").unwrap();
        let codec = Codec::new(schema.clone(), CodecConfig::default()).unwrap();
        let unset = Message::new(codec.layouts().clone(), schema.struct_by_name("R").unwrap());
        for protocol in [Protocol::Binary, Protocol::Compact] {
            let mut dst = BytesMut::from(&b"earlier"[..]);
            let dialect = Dialect { transport: Transport::TtHeader { inner_framed: true }, protocol };
            let header = FrameHeader::TtHeader(crate::proto::TtHeader::new(1));
            let envelope = Envelope { name: "f", message_type: MessageType::Call, seq_id: 1 };
            let e = MessageWriter::default()
                .write(&codec, &mut dst, dialect, &header, Some(&envelope), Body::Struct(unset.root()))
                .unwrap_err();
            assert!(matches!(e, WriteError::Body(_)), "{e}");
            assert_eq!(&dst[..], b"earlier");
        }
    }

    #[test]
    fn compact_field_headers_use_the_short_form_only_for_deltas_1_to_15() {
        let header = |id| {
            let mut b = BytesMut::new();
            put_field_header(Protocol::Compact, id, &mut b);
            b.to_vec()
        };
        assert_eq!(header(1), [0x1c]);
        assert_eq!(header(15), [0xfc]);
        assert_eq!(header(0), [0x0c, 0x00]);
        assert_eq!(header(16), [0x0c, 0x20]);
        assert_eq!(header(-1), [0x0c, 0x01]);
        assert_eq!(header(300), [0x0c, 0xd8, 0x04]);
        let mut b = BytesMut::new();
        put_field_header(Protocol::Binary, 2, &mut b);
        assert_eq!(&b[..], [0x0c, 0x00, 0x02]);
    }
}
