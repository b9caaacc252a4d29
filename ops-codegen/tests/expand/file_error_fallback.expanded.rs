::core::compile_error! {
    "config option `port` has unknown type `integer` (expected one of: string, int, float, boolean, secret)\n --> alt/broken-config.yaml:3:11"
}
impl WebShop {
    #[allow(unused_variables, unused_mut, dead_code)]
    fn install(&mut self, ctx: &mut Context<Self>, event: &HookEvent) {
        ::core::unreachable!("#[charm] reported a compile error")
    }
}
#[automatically_derived]
#[allow(unreachable_code, unused_variables)]
impl ::ops_core::Charm for WebShop {
    type Config = ();
    const TYPE_NAME: &'static str = "";
    const HANDLERS: &'static [::ops_core::Handler] = &[];
    fn meta() -> &'static ::ops_core::meta::CharmMeta {
        ::core::unreachable!()
    }
    fn call_handler(
        &mut self,
        _method: &str,
        _ctx: &mut ::ops_core::Context<Self>,
        _event: &::ops_core::events::EventSnapshot,
    ) -> ::core::result::Result<bool, ::ops_core::HandlerError> {
        ::core::unreachable!()
    }
}
