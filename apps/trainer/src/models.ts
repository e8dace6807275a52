/**
 * The trainer's two networks and nothing else (`@kindling/trainer/models`): what a web page or
 * another program needs to build, load or train them, without the command line's Node modules.
 */
export { ConvNet } from './cnn.js';
export { Net } from './net.js';
