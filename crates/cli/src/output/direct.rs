//! A listed backend written straight from the [`Backend`], borrowing: the writers
//! live in `lb-backends-cli-direct` (built at opt-level 3, the rest of the CLI for
//! size); the tests below hold them to the bytes of the serialized record.

pub(super) use lb_backends_cli_direct::{compact, csv_line, Json};

#[cfg(test)]
mod tests {
    use lb_backends::{
        InstanceRef, InstanceState, ListenerHealth, ProviderKind, RawRecord, Target,
    };

    use super::super::{list_sink, Record, Style};
    use crate::cli::Format;
    use lb_backends::{AdminState, Backend, Health, HealthDetail, InstanceKind};
    use lb_backends_cli_direct::*;

    fn backends() -> Vec<Backend> {
        let mut out = Vec::new();
        let bare = Backend::new(ProviderKind::HuaweiElb, "m-0");
        out.push(bare);
        let mut b = Backend::new(
            ProviderKind::HuaweiApig,
            "a\"b\\c\u{1}\u{8}\t\n\u{c}\r\u{1f}\u{7f}é名\u{202e}",
        );
        b.address = Some("10.0.255.1".parse().unwrap());
        b.port = Some(65535);
        b.weight = Some(0);
        b.health = Health::Unknown("DE\"GRADED".into());
        b.health_detail = Some(Box::new(
            HealthDetail::code("CONNECT_\"FAILED\"").with_observed("timeout\n"),
        ));
        let mut second = ListenerHealth::new("l,2", Health::Unknown("x".into()));
        second.detail = Some(Box::new(HealthDetail::default()));
        let mut first = ListenerHealth::new("l1", Health::Pending);
        first.detail = Some(Box::new(
            HealthDetail::code("c")
                .with_expected("200")
                .with_observed("5é"),
        ));
        b.listener_health = vec![first, second];
        b.admin_state = AdminState::Down;
        b.instance = Some(InstanceRef {
            id: "ins-1".into(),
            name: Some("web, \"one\"\n".into()),
            kind: InstanceKind::Unknown("box".into()),
            state: Some(InstanceState::ShuttingDown),
        });
        b.name = Some(String::new());
        b.created_at = Some("2024-01-02T03:04:05Z".into());
        b.raw = RawRecord::from_text(r#"{"id": "m\u00e9",  "x": [1, {"y": null}]}"#).unwrap();
        out.push(b);
        for (health, admin, kind) in [
            (Health::Healthy, AdminState::Up, InstanceKind::Ecs),
            (
                Health::Unhealthy,
                AdminState::NotReported,
                InstanceKind::Cvm,
            ),
            (Health::Unmonitored, AdminState::Up, InstanceKind::BareMetal),
            (Health::NotReported, AdminState::Down, InstanceKind::Ecs),
        ] {
            let mut b = Backend::new(ProviderKind::TencentClb, "ins-2");
            b.address = Some("2001:db8::1".parse().unwrap());
            b.health = health;
            b.admin_state = admin;
            b.instance = Some(InstanceRef {
                id: "i".into(),
                name: None,
                kind,
                state: Some(InstanceState::Unknown("99".into())),
            });
            b.weight = Some(100);
            out.push(b);
        }
        out
    }

    /// What a sink writes for `backends`, through the record or directly.
    fn written(format: Format, backends: &[Backend], raw: bool, direct: bool) -> String {
        let target: Target = "huawei-elb:pool-1".parse().unwrap();
        let style = Style {
            format,
            color: false,
            width: None,
        };
        let mut sink = list_sink(style, false);
        let mut out = Vec::new();
        let text = target.to_string();
        for b in backends {
            if direct {
                sink.listed(&mut out, &text, b, raw).unwrap();
            } else {
                sink.record(&mut out, &Record::new(&target, b, raw))
                    .unwrap();
            }
        }
        sink.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn direct_output_is_the_records_byte_for_byte() {
        let all = backends();
        for format in [Format::Ndjson, Format::Json, Format::Csv] {
            for raw in [false, true] {
                for n in [0, 1, all.len()] {
                    let through_record = written(format, &all[..n], raw, false);
                    let direct = written(format, &all[..n], raw, true);
                    assert_eq!(direct, through_record, "{format:?} raw={raw} n={n}");
                }
            }
        }
    }

    #[test]
    fn the_compact_writer_is_the_general_one_without_indentation() {
        for b in backends() {
            for raw in [false, true] {
                let (mut general, mut compact_) = (Vec::new(), Vec::new());
                Json::new(&mut general, None).backend("t", &b, raw);
                compact(&mut compact_, "t", &b, raw);
                assert_eq!(
                    String::from_utf8(compact_).unwrap(),
                    String::from_utf8(general).unwrap()
                );
            }
        }
    }

    #[test]
    fn strings_escape_as_serde_json_does() {
        let every: String = (0u32..0x300).filter_map(char::from_u32).collect();
        for s in ["", "plain", "\"\\", &every, "\u{2028}\u{10ffff}"] {
            let mut buf = Vec::new();
            string(&mut buf, s);
            assert_eq!(
                String::from_utf8(buf).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
        // Every special byte at every place of a word, and past it.
        for special in ['"', '\\', '\u{0}', '\n', '\u{1f}', '\u{7f}', 'é'] {
            for at in 0..20 {
                let mut s: String = "abcdefghijklmnopqrstuvwx".into();
                s.insert(at, special);
                let mut buf = Vec::new();
                string(&mut buf, &s);
                let want = serde_json::to_string(&s).unwrap();
                assert_eq!(String::from_utf8(buf).unwrap(), want, "{s:?}");
            }
        }
        for n in [0u64, 7, 10, 99, 100, 65535, u64::MAX] {
            let mut buf = Vec::new();
            number(&mut buf, n);
            assert_eq!(String::from_utf8(buf).unwrap(), n.to_string());
        }
    }
}
