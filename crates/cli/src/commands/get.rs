//! `lbb get TARGET BACKEND_ID [--instance]`.

use lb_backends::{InstanceLookup, ResourceId, Target};

use super::{caps, done, stdout, Ctx};
use crate::{
    exit::Failure,
    output::{print_one, InstanceRecord, LookupRecord, Record},
};

pub async fn run(
    ctx: &Ctx,
    target: &Target,
    id: &ResourceId,
    instance: bool,
) -> Result<u8, Failure> {
    let provider = ctx.provider(target)?;
    let backend = provider.get(id).await?;
    let mut record = Record::new(target, &backend, ctx.global.raw);
    if instance {
        let found = if caps(&*provider).instance_lookup {
            Some(provider.instance_of(id).await?)
        } else {
            None
        };
        let lookup = match &found {
            Some(found) => {
                if let InstanceLookup::Found { instance } = found {
                    record.instance = Some(InstanceRecord::from(instance));
                }
                LookupRecord::from(found)
            }
            None => {
                ctx.note(&format!(
                    "lbb: {} cannot look the instance up; showing what the backend says",
                    provider.kind()
                ));
                LookupRecord {
                    result: "unsupported".into(),
                    instance: None,
                    candidates: Vec::new(),
                }
            }
        };
        record.instance_lookup = Some(lookup);
    }
    let mut out = stdout();
    print_one(&mut out, ctx.style, &record)?;
    done(out)
}
