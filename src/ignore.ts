// The one do-nothing handler: for 'error' events and rejections whose outcome is handled elsewhere (a socket that
// is being torn down anyway reports its error through 'close').
export function ignore(): void {}
