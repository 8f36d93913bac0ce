export function fleetPageHtml(): string { return '<!doctype html><title>fleet</title>'; }
