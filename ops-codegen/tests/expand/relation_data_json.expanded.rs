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
    fn __ops_json_0() -> __OpsJson<String> {
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
                    ::ops_core::databag::to_py_json::<T>,
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
            message = "field `host` of `Db` is stored in the databag as JSON: its type `String` needs `#[derive(Serialize, Deserialize)]`",
            label = "`String` does not implement `Serialize` and `Deserialize`",
            note = "with #[databag(encoding = \"json\")] every field is encoded as JSON with serde (Cargo.toml: serde with the `derive` feature)"
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
    #[allow(dead_code)]
    fn __ops_json_1() -> __OpsJson<u16> {
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
                    ::ops_core::databag::to_py_json::<T>,
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
            note = "with #[databag(encoding = \"json\")] every field is encoded as JSON with serde (Cargo.toml: serde with the `derive` feature)"
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
    fn __ops_json_2() -> __OpsJson<Option<String>> {
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
                    ::ops_core::databag::to_py_json::<T>,
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
            message = "field `note` of `Db` is stored in the databag as JSON: its type `String` needs `#[derive(Serialize, Deserialize)]`",
            label = "`String` does not implement `Serialize` and `Deserialize`",
            note = "with #[databag(encoding = \"json\")] every field is encoded as JSON with serde (Cargo.toml: serde with the `derive` feature)"
        )]
        trait HasSerdeDerives<T> {
            fn __codec(self) -> __OpsJson<T>;
        }
        impl<T> HasSerdeDerives<T> for __OpsJson<T> {
            fn __codec(self) -> __OpsJson<T> {
                self
            }
        }
        let __picked = (&__Probe::<Option<String>>(::core::marker::PhantomData))
            .__pick();
        HasSerdeDerives::<Option<String>>::__codec(__picked)
    }
    #[automatically_derived]
    impl ::ops_core::databag::RelationData for Db {
        const KEYS: &'static [&'static str] = &["host", "port", "secret-id", "note"];
        const ENCODING: ::ops_core::databag::Encoding = ::ops_core::databag::Encoding::Json;
        fn from_databag(
            bag: &::std::collections::BTreeMap<
                ::std::string::String,
                ::std::string::String,
            >,
        ) -> ::core::result::Result<Self, ::ops_core::databag::DatabagError> {
            ::core::result::Result::Ok(Db {
                host: (__ops_json_0().0)(bag, "host")?,
                port: (__ops_json_1().0)(bag, "port")?,
                secret_id: (__ops_json_0().0)(bag, "secret-id")?,
                note: (__ops_json_2().1)(bag, "note")?.flatten(),
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
                ::core::option::Option::Some((__ops_json_0().2)("host", &self.host)?),
            ));
            out.push((
                "port".to_string(),
                ::core::option::Option::Some((__ops_json_1().2)("port", &self.port)?),
            ));
            out.push((
                "secret-id".to_string(),
                ::core::option::Option::Some(
                    (__ops_json_0().2)("secret-id", &self.secret_id)?,
                ),
            ));
            out.push((
                "note".to_string(),
                ::core::option::Option::Some((__ops_json_2().2)("note", &self.note)?),
            ));
            ::core::result::Result::Ok(out)
        }
    }
};
