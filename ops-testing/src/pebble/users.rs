//! The container's users and groups, as Pebble (running in the container) resolves them: from
//! the container's `/etc/passwd` and `/etc/group`, with `root` (0) and `nobody`/`nogroup`
//! (65534, home `/nonexistent`) when the image does not ship them.

use std::path::Path;

/// A user of the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
}

/// The container's user and group databases.
#[derive(Debug, Clone, Default)]
pub(crate) struct Users {
    users: Vec<User>,
    groups: Vec<(String, u32)>,
}

impl Users {
    /// Read the databases of the container whose `/` is `root`.
    pub(crate) fn load(root: &Path) -> Users {
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_default();
        let mut users: Vec<User> = read("etc/passwd")
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                Some(User {
                    name: f.first()?.to_string(),
                    uid: f.get(2)?.parse().ok()?,
                    gid: f.get(3)?.parse().ok()?,
                    home: f.get(5)?.to_string(),
                })
            })
            .collect();
        let mut groups: Vec<(String, u32)> = read("etc/group")
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                Some((f.first()?.to_string(), f.get(2)?.parse().ok()?))
            })
            .collect();
        for (name, id, home) in [("root", 0, "/root"), ("nobody", 65534, "/nonexistent")] {
            if !users.iter().any(|u| u.uid == id || u.name == name) {
                users.push(User {
                    name: name.into(),
                    uid: id,
                    gid: id,
                    home: home.into(),
                });
            }
        }
        for (name, id) in [("root", 0), ("nogroup", 65534)] {
            if !groups.iter().any(|(n, g)| *g == id || n == name) {
                groups.push((name.into(), id));
            }
        }
        Users { users, groups }
    }

    pub(crate) fn by_id(&self, uid: u32) -> Option<&User> {
        self.users.iter().find(|u| u.uid == uid)
    }

    fn by_name(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// A user's name (Pebble answers `""` for an id without one).
    pub(crate) fn user_name(&self, uid: u32) -> String {
        self.by_id(uid).map(|u| u.name.clone()).unwrap_or_default()
    }

    /// A group's name (`""` for an id without one).
    pub(crate) fn group_name(&self, gid: u32) -> String {
        self.groups
            .iter()
            .find(|(_, g)| *g == gid)
            .map(|(n, _)| n.clone())
            .unwrap_or_default()
    }

    /// Pebble's `osutil.NormalizeUidGid`: the uid and gid of these user and group fields
    /// (`None` for none given), or its error message.
    pub(crate) fn normalize(
        &self,
        mut uid: Option<u32>,
        mut gid: Option<u32>,
        user: Option<&str>,
        group: Option<&str>,
    ) -> Result<(Option<u32>, Option<u32>), String> {
        if uid.is_none() && gid.is_none() && user.is_none() && group.is_none() {
            return Ok((None, None));
        }
        if let Some(name) = user {
            let u = self
                .by_name(name)
                .ok_or_else(|| format!("user: unknown user {name}"))?;
            if uid.is_some_and(|id| id != u.uid) {
                return Err(format!(
                    "user {name:?} UID ({}) does not match user-id ({})",
                    u.uid,
                    uid.unwrap_or_default()
                ));
            }
            uid = Some(u.uid);
        }
        if let Some(name) = group {
            let g = self
                .groups
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, g)| *g)
                .ok_or_else(|| format!("group: unknown group {name}"))?;
            if gid.is_some_and(|id| id != g) {
                return Err(format!(
                    "group {name:?} GID ({g}) does not match group-id ({})",
                    gid.unwrap_or_default()
                ));
            }
            gid = Some(g);
        }
        if gid.is_none() {
            if let Some(id) = uid {
                let u = self
                    .by_id(id)
                    .ok_or_else(|| format!("user: unknown userid {id}"))?;
                gid = Some(u.gid);
            }
        }
        if uid.is_none() && gid.is_some() {
            return Err("must specify user, not just group".into());
        }
        Ok((uid, gid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_resolve_as_pebble_resolves_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("etc");
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/bash\nweb:x:1000:1001::/home/web:/bin/sh\n",
        )
        .expect("passwd");
        std::fs::write(dir.path().join("etc/group"), "root:x:0:\nwebgrp:x:1001:\n").expect("group");
        let users = Users::load(dir.path());
        assert_eq!(
            users.normalize(None, None, Some("web"), None),
            Ok((Some(1000), Some(1001)))
        );
        assert_eq!(
            users.normalize(Some(0), None, None, Some("webgrp")),
            Ok((Some(0), Some(1001)))
        );
        assert_eq!(
            users.normalize(None, None, Some("nope"), None),
            Err("user: unknown user nope".into())
        );
        assert_eq!(
            users.normalize(None, Some(5), None, None),
            Err("must specify user, not just group".into())
        );
        assert_eq!(
            users.normalize(Some(1), None, Some("web"), None),
            Err("user \"web\" UID (1000) does not match user-id (1)".into())
        );
        assert_eq!(users.user_name(65534), "nobody");
        assert_eq!(users.group_name(1001), "webgrp");
        assert_eq!(users.user_name(4242), "");
        assert_eq!(
            users.by_id(65534).map(|u| u.home.as_str()),
            Some("/nonexistent")
        );
    }
}
