const _: () = {
    #[doc(hidden)]
    struct __OpsJson<T>(
        fn(
            &::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
            &str,
        ) -> ::core::result::Result<T, ::ops_core::databag::DatabagError>,
        fn(
            &::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
            &str,
        ) -> ::core::result::Result<
            ::core::option::Option<T>,
            ::ops_core::databag::DatabagError,
        >,
        fn(
            &str,
            &T,
        ) -> ::core::result::Result<
            ::std::string::String,
            ::ops_core::databag::DatabagError,
        >,
    );
    #[allow(dead_code)]
    fn __ops_json_0() -> __OpsJson<u16> {
        struct __Probe<T>(::core::marker::PhantomData<T>);
        struct SerdeDerivesMissing;
        trait __Good<T> {
            fn __pick(&self) -> __OpsJson<T>;
        }
        impl<
            T: ::ops_core::__private::serde::Serialize
                + ::ops_core::__private::serde::de::DeserializeOwned,
        > __Good<T> for __Probe<T> {
            fn __pick(&self) -> __OpsJson<T> {
                __OpsJson(
                    ::ops_core::databag::get_json::<T>,
                    ::ops_core::databag::get_opt_json::<T>,
                    ::ops_core::databag::to_json::<T>,
                )
            }
        }
        trait __Bad {
            fn __pick(&self) -> SerdeDerivesMissing;
        }
        impl<T> __Bad for &__Probe<T> {
            fn __pick(&self) -> SerdeDerivesMissing {
                SerdeDerivesMissing
            }
        }
        #[diagnostic::on_unimplemented(
            message = "field `port` of `Db` is stored in the databag as JSON: its type `u16` needs `#[derive(Serialize, Deserialize)]`",
            label = "`u16` does not implement `Serialize` and `Deserialize`",
            note = "a `String` field is stored as is; any other type is encoded as JSON with serde (Cargo.toml: serde with the `derive` feature)"
        )]
        trait HasSerdeDerives<T> {
            fn __codec(self) -> __OpsJson<T>;
        }
        impl<T> HasSerdeDerives<T> for __OpsJson<T> {
            fn __codec(self) -> __OpsJson<T> {
                self
            }
        }
        let __picked = (&__Probe::<u16>(::core::marker::PhantomData)).__pick();
        HasSerdeDerives::<u16>::__codec(__picked)
    }
    #[allow(dead_code)]
    fn __ops_json_1() -> __OpsJson<bool> {
        struct __Probe<T>(::core::marker::PhantomData<T>);
        struct SerdeDerivesMissing;
        trait __Good<T> {
            fn __pick(&self) -> __OpsJson<T>;
        }
        impl<
            T: ::ops_core::__private::serde::Serialize
                + ::ops_core::__private::serde::de::DeserializeOwned,
        > __Good<T> for __Probe<T> {
            fn __pick(&self) -> __OpsJson<T> {
                __OpsJson(
                    ::ops_core::databag::get_json::<T>,
                    ::ops_core::databag::get_opt_json::<T>,
                    ::ops_core::databag::to_json::<T>,
                )
            }
        }
        trait __Bad {
            fn __pick(&self) -> SerdeDerivesMissing;
        }
        impl<T> __Bad for &__Probe<T> {
            fn __pick(&self) -> SerdeDerivesMissing {
                SerdeDerivesMissing
            }
        }
        #[diagnostic::on_unimplemented(
            message = "field `ro` of `Db` is stored in the databag as JSON: its type `bool` needs `#[derive(Serialize, Deserialize)]`",
            label = "`bool` does not implement `Serialize` and `Deserialize`",
            note = "a `String` field is stored as is; any other type is encoded as JSON with serde (Cargo.toml: serde with the `derive` feature)"
        )]
        trait HasSerdeDerives<T> {
            fn __codec(self) -> __OpsJson<T>;
        }
        impl<T> HasSerdeDerives<T> for __OpsJson<T> {
            fn __codec(self) -> __OpsJson<T> {
                self
            }
        }
        let __picked = (&__Probe::<bool>(::core::marker::PhantomData)).__pick();
        HasSerdeDerives::<bool>::__codec(__picked)
    }
    #[allow(dead_code)]
    fn __ops_json_2() -> __OpsJson<String> {
        struct __Probe<T>(::core::marker::PhantomData<T>);
        struct SerdeDerivesMissing;
        trait __Good<T> {
            fn __pick(&self) -> __OpsJson<T>;
        }
        impl<
            T: ::ops_core::__private::serde::Serialize
                + ::ops_core::__private::serde::de::DeserializeOwned,
        > __Good<T> for __Probe<T> {
            fn __pick(&self) -> __OpsJson<T> {
                __OpsJson(
                    ::ops_core::databag::get_json::<T>,
                    ::ops_core::databag::get_opt_json::<T>,
                    ::ops_core::databag::to_json::<T>,
                )
            }
        }
        trait __Bad {
            fn __pick(&self) -> SerdeDerivesMissing;
        }
        impl<T> __Bad for &__Probe<T> {
            fn __pick(&self) -> SerdeDerivesMissing {
                SerdeDerivesMissing
            }
        }
        #[diagnostic::on_unimplemented(
            message = "field `user` of `Db` is stored in the databag as JSON: its type `String` needs `#[derive(Serialize, Deserialize)]`",
            label = "`String` does not implement `Serialize` and `Deserialize`",
            note = "a `String` field is stored as is; any other type is encoded as JSON with serde (Cargo.toml: serde with the `derive` feature)"
        )]
        trait HasSerdeDerives<T> {
            fn __codec(self) -> __OpsJson<T>;
        }
        impl<T> HasSerdeDerives<T> for __OpsJson<T> {
            fn __codec(self) -> __OpsJson<T> {
                self
            }
        }
        let __picked = (&__Probe::<String>(::core::marker::PhantomData)).__pick();
        HasSerdeDerives::<String>::__codec(__picked)
    }
    #[automatically_derived]
    impl ::ops_core::databag::RelationData for Db {
        const KEYS: &'static [&'static str] = &[
            "host",
            "replica-set",
            "port",
            "read-only",
            "user",
        ];
        const ENCODING: ::ops_core::databag::Encoding = ::ops_core::databag::Encoding::Raw;
        fn from_databag(
            bag: &::std::collections::BTreeMap<
                ::std::string::String,
                ::std::string::String,
            >,
        ) -> ::core::result::Result<Self, ::ops_core::databag::DatabagError> {
            ::core::result::Result::Ok(Db {
                host: ::ops_core::databag::get_raw(bag, "host")?,
                replica_set: ::ops_core::databag::get_opt_raw(bag, "replica-set"),
                port: (__ops_json_0().0)(bag, "port")?,
                ro: (__ops_json_1().1)(bag, "read-only")?,
                user: (__ops_json_2().0)(bag, "user")?,
            })
        }
        fn to_databag(
            &self,
        ) -> ::core::result::Result<
            ::std::vec::Vec<
                (::std::string::String, ::core::option::Option<::std::string::String>),
            >,
            ::ops_core::databag::DatabagError,
        > {
            let mut out = ::std::vec::Vec::new();
            out.push((
                "host".to_string(),
                ::core::option::Option::Some(self.host.clone()),
            ));
            out.push(("replica-set".to_string(), self.replica_set.clone()));
            out.push((
                "port".to_string(),
                ::core::option::Option::Some((__ops_json_0().2)("port", &self.port)?),
            ));
            out.push((
                "read-only".to_string(),
                match &self.ro {
                    ::core::option::Option::Some(v) => {
                        ::core::option::Option::Some((__ops_json_1().2)("read-only", v)?)
                    }
                    ::core::option::Option::None => ::core::option::Option::None,
                },
            ));
            out.push((
                "user".to_string(),
                ::core::option::Option::Some((__ops_json_2().2)("user", &self.user)?),
            ));
            ::core::result::Result::Ok(out)
        }
    }
};
