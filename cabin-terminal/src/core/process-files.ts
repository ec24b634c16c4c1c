/** The device key file of the Electron app, sealed with the data key main hands over (main and the core's process both name it). */
export const SEALED_KEY_FILE = "device.key.sealed";
